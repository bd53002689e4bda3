#include "migration/migration_sender.h"

#include <cstring>

#include "migration/record_decode.h"
#include "migration/stream_auth.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {
namespace {

template <size_t N>
void copy_string(char (&field)[N], const char* text) {
  size_t i = 0;
  for (; text != nullptr && text[i] != '\0' && i + 1 < N; ++i) field[i] = text[i];
  for (; i < N; ++i) field[i] = '\0';
}

uint64_t bytes_per_s(uint64_t bytes, uint64_t ns) {
  if (ns == 0) return 0;
  return static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * 1'000'000'000u / ns);
}

}  // namespace

MigrationSender::MigrationSender(const SenderConfig& config, MigrationSource& source, ByteChannel& channel,
                                 Clock& clock, std::span<uint8_t> record_buffer,
                                 std::span<uint64_t> send_set_bits, MigrationObserver* observer)
    : config_(config),
      source_(source),
      channel_(channel),
      clock_(clock),
      observer_(observer),
      output_(record_buffer),
      send_set_(send_set_bits, source.page_count()),
      policy_(config.policy),
      digest_(source.page_count()),
      replies_(reply_buffer_) {}

void MigrationSender::start() {
  started_ns_ = last_progress_ns_ = clock_.now_ns();
  phase_ = Phase::kAwaitChallenge;
}

// --- Replies from the destination -------------------------------------------------

void MigrationSender::on_receive(std::span<const uint8_t> bytes) {
  if (bytes.empty() || phase_ == Phase::kIdle) return;
  last_progress_ns_ = clock_.now_ns();
  while (!bytes.empty() && !finished()) {
    size_t used = 0;
    RawRecord raw{};
    StreamFault fault;
    RecordReader::Step step = replies_.next(bytes, used, raw, fault);
    bytes = bytes.subspan(used);
    if (step == RecordReader::Step::kFault) return fail(fault);
    if (step == RecordReader::Step::kRecord) accept_reply(raw);
  }
}

void MigrationSender::accept_reply(const RawRecord& raw) {
  auto type = static_cast<RecordType>(raw.type);
  if (type == RecordType::kNack) {
    NackRecord nack{};
    if (auto f = decode_nack(raw, nack); !f.ok()) return fail(f);
    return fail(StreamFault{StreamError::kPeerRefused, raw.type, raw.offset, nack.reason, nack.detail});
  }
  if (type == RecordType::kChallenge && phase_ == Phase::kAwaitChallenge) return accept_challenge(raw);
  if (type == RecordType::kAck && phase_ == Phase::kAwaitAck) return accept_ack(raw);
  if (!is_known_type(raw.type)) return;  // an optional record this node does not know
  fail(StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0});
}

void MigrationSender::accept_challenge(const RawRecord& raw) {
  ChallengeRecord challenge{};
  if (auto f = decode_challenge(raw, challenge); !f.ok()) return fail(f);
  std::memcpy(nonce_, challenge.nonce, kNonceSize);
  queue_header();
  if (!source_.begin_dirty_tracking().ok()) return fail(fault(StreamError::kSourceFailed));
  tracking_ = true;
  send_set_.mark_all();
  phase_ = Phase::kRounds;
  begin_round(0, false);
}

void MigrationSender::accept_ack(const RawRecord& raw) {
  AckRecord ack{};
  if (auto f = decode_ack(raw, ack); !f.ok()) return fail(f);
  if (!mac_equal(ack_mac(config_.key, nonce_, ack), ack.mac)) {
    return fail(StreamFault{StreamError::kAuthenticationFailed, raw.type, raw.offset, 0, 0});
  }
  if (ack.digest != summary_.digest) {
    return fail(StreamFault{StreamError::kDigestMismatch, raw.type, raw.offset, ack.digest, summary_.digest});
  }
  // Committed: the guest runs on the destination. Only now is it freed here.
  summary_.digest_verified = true;
  summary_.downtime_ns = clock_.now_ns() - paused_ns_;
  tracking_ = false;
  source_.release();
  channel_.close();
  finish(MigrationOutcome::kSucceeded);
}

// --- Producing records ---------------------------------------------------------------

void MigrationSender::pump() {
  if (phase_ == Phase::kIdle || finished()) return;
  produced_ = 0;
  while (!finished()) {
    Expected<size_t> pushed = output_.push(channel_);
    if (!pushed) return fail(fault(StreamError::kChannelFailed));
    if (*pushed != 0) last_progress_ns_ = clock_.now_ns();
    if (produced_ >= config_.pump_bytes || !can_produce()) break;
    if (!produce()) break;
  }
  if (!finished()) check_timeouts();
}

template <class Body>
void MigrationSender::queue_record(RecordType type, const Body& body) {
  size_t size = encode_record(output_.space(), type, body);
  if (size == 0) return fail(fault(StreamError::kRecordTooLong, sizeof(Body), output_.space().size()));
  output_.queue(size);
  produced_ += size, summary_.wire_bytes += size, round_.wire_bytes += size;
}

bool MigrationSender::produce() {
  switch (phase_) {
    case Phase::kRounds:
      if (send_next_batch() || finished()) return !finished();
      end_round();
      return !finished();
    case Phase::kState: queue_state(); return !finished();
    case Phase::kDigest: return step_digest();
    default: return false;  // waiting for the destination
  }
}

void MigrationSender::queue_header() {
  HeaderRecord header{};
  header.magic = kStreamMagic;
  header.version_major = kStreamVersionMajor;
  header.version_minor = kStreamVersionMinor;
  header.page_size = kPageSize;
  header.memory_bytes = source_.page_count() * kPageSize;
  header.vcpu_count = 1;
  header.backend_features = kFeatureGuestCpuid;
  header.vcpu_state_size = sizeof(x86::VcpuState);
  header.device_state_size = sizeof(DeviceState);
  copy_string(header.backend_name, config_.backend_name);
  copy_string(header.guest_name, config_.guest_name);
  copy_string(header.command_line, config_.command_line);
  Sha256Digest mac = header_mac(config_.key, nonce_, header);
  std::memcpy(header.mac, mac.bytes, kSha256Size);
  queue_record(RecordType::kHeader, header);
  queue_record(RecordType::kCpuid, config_.cpuid);
}

void MigrationSender::begin_round(uint32_t number, bool final) {
  round_ = RoundStats{};
  round_.round = number;
  round_.final = final;
  round_start_ns_ = clock_.now_ns();
  cursor_ = 0;
  queue_record(RecordType::kRound, RoundRecord{number, 0, send_set_.count()});
}

size_t MigrationSender::batch_record_bytes() const {
  uint32_t pages = config_.batch_pages == 0 || config_.batch_pages > kMaxBatchEntries ? kMaxBatchEntries
                                                                                     : config_.batch_pages;
  return record_size(sizeof(PageBatchHeader) + size_t{pages} * (sizeof(PageEntry) + kPageSize));
}

// A record may be built once everything before it is out, or, during the rounds, while
// there is room for one more whole batch behind what still waits for the window.
bool MigrationSender::can_produce() {
  return output_.idle() || (phase_ == Phase::kRounds && output_.space().size() >= batch_record_bytes());
}

// One PAGE_BATCH of the pages still marked in the send set after cursor_; false when
// the round's set is used up.
bool MigrationSender::send_next_batch() {
  uint64_t pages = source_.page_count();
  uint64_t gfn = send_set_.find_next(cursor_);
  if (gfn >= pages) return false;
  std::span<uint8_t> room = output_.space();
  if (room.size() > batch_record_bytes()) room = room.first(batch_record_bytes());
  PageBatchEncoder batch(room);
  for (; gfn < pages; gfn = send_set_.find_next(gfn + 1)) {
    const uint8_t* page = source_.page(gfn);
    if (page == nullptr) {
      fail(fault(StreamError::kSourceFailed, gfn, pages));
      return false;
    }
    if (!batch.add_page(gfn, page)) break;
  }
  if (batch.empty()) {  // the record buffer cannot hold one page: a caller's bug
    fail(fault(StreamError::kRecordTooLong, kPageSize, output_.space().size()));
    return false;
  }
  cursor_ = gfn;
  size_t size = batch.finish();
  output_.queue(size);
  produced_ += size, summary_.wire_bytes += size, round_.wire_bytes += size;
  round_.pages_sent += batch.pages(), round_.zero_pages += batch.zero_pages();
  data_pages_ += batch.data_pages();
  return true;
}

// The round's pages are all on their way: report it and decide what comes next.
void MigrationSender::end_round() {
  uint64_t now = clock_.now_ns();
  round_.duration_ns = now - round_start_ns_;
  round_.bandwidth_bytes_per_s = bytes_per_s(round_.wire_bytes, round_.duration_ns);
  summary_.rounds++;
  summary_.pages_sent += round_.pages_sent;
  summary_.zero_pages += round_.zero_pages;
  send_set_.clear();
  if (!round_.final) round_.pages_dirtied = source_.collect_dirty(send_set_);
  if (observer_ != nullptr) observer_->on_round(round_);
  if (round_.final) {
    phase_ = Phase::kState;
    return;
  }
  PrecopyDecision decision = policy_.after_round(
      RoundMeasurement{round_.pages_sent, round_.wire_bytes, round_.duration_ns, round_.pages_dirtied});
  if (decision == PrecopyDecision::kAnotherRound) return begin_round(round_.round + 1, false);
  summary_.stop_reason = decision;
  stop_and_copy();
}

// Pause, then one last round: what was dirtied since the last collection.
void MigrationSender::stop_and_copy() {
  uint32_t number = round_.round + 1;
  source_.pause();
  paused_ns_ = clock_.now_ns();
  source_.capture(vcpu_, device_);
  (void)source_.collect_dirty(send_set_);
  begin_round(number, true);
}

void MigrationSender::queue_state() {
  VcpuStateRecord record{};
  record.vcpu_index = 0;
  record.state_size = sizeof(x86::VcpuState);
  record.state = vcpu_;
  queue_record(RecordType::kVcpuState, record);
  queue_record(RecordType::kDeviceState, device_);
  phase_ = Phase::kDigest;
}

// Hashes a slice of the paused memory; queues END once all of it is hashed. False
// while more slices remain: the main loop gets control back between them.
bool MigrationSender::step_digest() {
  MemoryDigest::Step step =
      digest_.step([this](uint64_t gfn) { return source_.page(gfn); }, config_.digest_pages_per_pump);
  if (step == MemoryDigest::Step::kNoPage) {
    fail(fault(StreamError::kSourceFailed, digest_.failed_gfn(), source_.page_count()));
    return false;
  }
  if (step == MemoryDigest::Step::kMore) return false;
  summary_.digest = digest_.value();
  queue_record(RecordType::kEnd, EndRecord{source_.page_count(), summary_.digest});
  phase_ = Phase::kAwaitAck;
  return !finished();
}

// --- Time-outs and the end -------------------------------------------------------------

void MigrationSender::check_timeouts() {
  uint64_t now = clock_.now_ns();
  bool waiting_on_peer = !output_.idle() || phase_ == Phase::kAwaitChallenge;
  if (waiting_on_peer && now - last_progress_ns_ > config_.stall_timeout_ns) {
    return fail(fault(StreamError::kTimeout, now - last_progress_ns_, config_.stall_timeout_ns));
  }
  if (phase_ != Phase::kAwaitAck || !output_.idle()) return;
  if (ack_deadline_ns_ == 0) {
    ack_deadline_ns_ = now + config_.ack_timeout_ns;  // END has left: the ACK clock starts
  } else if (now > ack_deadline_ns_) {
    fail(fault(StreamError::kTimeout, now - (ack_deadline_ns_ - config_.ack_timeout_ns),
               config_.ack_timeout_ns));
  }
}

void MigrationSender::on_channel_closed() {
  if (phase_ != Phase::kIdle && !finished()) fail(fault(StreamError::kChannelFailed));
}

void MigrationSender::fail(StreamFault why) {
  if (finished()) return;
  summary_.failure = why;
  if (tracking_) source_.resume_after_failure();  // nothing was freed: the guest goes on here
  tracking_ = false;
  channel_.close();
  finish(MigrationOutcome::kFailed);
}

void MigrationSender::finish(MigrationOutcome outcome) {
  summary_.outcome = outcome;
  summary_.total_ns = clock_.now_ns() - started_ns_;
  summary_.required_bytes = data_pages_ * kPageSize + sizeof(VcpuStateRecord) + sizeof(DeviceState);
  phase_ = Phase::kFinished;
  if (observer_ != nullptr) observer_->on_finished(summary_);
}

}  // namespace godwit::migration
