#include "migration/migration_sender.h"

#include <cstring>

#include "lib/text_field.h"
#include "migration/record_decode.h"
#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {
namespace {

uint64_t bytes_per_s(uint64_t bytes, uint64_t ns) {
  if (ns == 0) return 0;
  return static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * 1'000'000'000u / ns);
}

// Hybrid bounds its pre-copy rounds; verify mode compares all paused memory at END, which
// a guest already running on the destination no longer has.
SenderConfig adjusted(SenderConfig config) {
  if (config.mode == MigrationMode::kHybrid && config.policy.max_rounds > config.hybrid_max_rounds) {
    config.policy.max_rounds = config.hybrid_max_rounds == 0 ? 1 : config.hybrid_max_rounds;
  }
  if (pulls_after_switch(config.mode)) config.verify = false;
  return config;
}

}  // namespace

MigrationSender::MigrationSender(const SenderConfig& config, MigrationSource& source, ByteChannel& channel,
                                 Clock& clock, std::span<uint8_t> record_buffer,
                                 std::span<uint64_t> send_set_bits, std::span<uint64_t> digest_terms,
                                 MigrationObserver* observer)
    : config_(adjusted(config)),
      source_(source),
      channel_(channel),
      clock_(clock),
      observer_(observer),
      output_(record_buffer),
      send_set_(send_set_bits, source.page_count()),
      policy_(config_.policy),
      sent_digest_(digest_terms, source.page_count()),
      full_digest_(source.page_count()),
      replies_(reply_buffer_),
      record_buffer_(record_buffer) {
  summary_.verify = config_.verify;
  summary_.encrypted = config.protection == Protection::kEncrypted;
  summary_.mode = config_.mode;
}

void MigrationSender::start() {
  started_ns_ = last_progress_ns_ = clock_.now_ns();
  phase_ = Phase::kAwaitChallenge;
}

// --- Replies from the destination -------------------------------------------------

void MigrationSender::on_receive(std::span<const uint8_t> bytes) {
  if (bytes.empty() || phase_ == Phase::kIdle) return;
  while (!bytes.empty() && !finished()) {
    size_t used = 0;
    RawRecord raw{};
    StreamFault fault;
    RecordReader::Step step = replies_.next(bytes, used, raw, fault);
    bytes = bytes.subspan(used);
    if (step == RecordReader::Step::kFault) return fail(fault);
    if (step == RecordReader::Step::kRecord) {
      last_progress_ns_ = clock_.now_ns();  // a whole (after CHALLENGE: opened) record, not any byte
      accept_reply(raw);
    }
  }
}

// After CHALLENGE every reply was opened by replies_ before it gets here: it comes from
// a peer that holds this session's keys.
void MigrationSender::accept_reply(const RawRecord& raw) {
  auto type = static_cast<RecordType>(raw.type);
  if (type == RecordType::kNack && replies_.protected_records()) {
    NackRecord nack{};
    if (auto f = decode_nack(raw, nack); !f.ok()) return fail(f);
    if (recovering_ && phase_ == Phase::kAwaitMissing &&
        nack.reason == static_cast<uint32_t>(StreamError::kNothingToRecover)) {
      summary_.failure =
          StreamFault{StreamError::kPeerRefused, raw.type, raw.offset, nack.reason, nack.detail};
      return accept_recovery_verdict(nack.detail);
    }
    return fail(StreamFault{StreamError::kPeerRefused, raw.type, raw.offset, nack.reason, nack.detail}, true);
  }
  if (type == RecordType::kChallenge && phase_ == Phase::kAwaitChallenge) return accept_challenge(raw);
  if (type == RecordType::kRecoverMissing && phase_ == Phase::kAwaitMissing && replies_.protected_records())
    return accept_missing(raw);
  if (type == RecordType::kVerified && phase_ == Phase::kAwaitVerified) return accept_verified(raw);
  if (type == RecordType::kCommitted && phase_ == Phase::kAwaitCommitted) return accept_committed(raw);
  if (replies_.protected_records()) {
    if (type == RecordType::kPostcopyPrepared && pulls_after_switch(config_.mode))
      return accept_prepared(raw);
    if (type == RecordType::kPostcopyReady && phase_ == Phase::kAwaitReady) return accept_ready(raw);
    if (type == RecordType::kPageRequest && switched_) return accept_page_request(raw);
    if (!is_known_type(raw.type)) return;  // an optional record we do not know
  }
  fail(StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0});
}

bool MigrationSender::send_hello(const ChallengeRecord& challenge, uint8_t flags, HelloRecord& hello) {
  hello = HelloRecord{kStreamMagic,
                      kStreamVersionMajor,
                      kStreamVersionMinor,
                      static_cast<uint8_t>(config_.protection),
                      flags,
                      {},
                      {}};
  std::memcpy(hello.nonce, config_.nonce, kNonceSize);
  uint8_t handshake[sizeof(ChallengeRecord) + sizeof(HelloRecord)];
  std::memcpy(handshake, &challenge, sizeof(challenge));
  std::memcpy(handshake + sizeof(challenge), &hello, sizeof(hello));
  Expected<SessionKeys> keys =
      derive_session_keys(config_.key, challenge.nonce, config_.nonce, config_.protection, handshake);
  if (!keys) {
    fail(fault(StreamError::kAuthenticationFailed));
    return false;
  }
  sealer_ = RecordSealer(keys->source_to_destination, config_.protection);
  opener_ = RecordOpener(keys->destination_to_source, config_.protection);
  replies_.protect(opener_);
  size_t size = encode_record(output_.space(), RecordType::kHello, hello);
  if (size == 0) {
    fail(fault(StreamError::kRecordTooLong, sizeof(hello), output_.space().size()));
    return false;
  }
  output_.queue(size);
  produced_ += size, summary_.wire_bytes += size;
  return true;
}

// The destination's nonce and ours give the session's keys; HELLO tells the destination
// ours. From here on every record both ways is sealed.
void MigrationSender::accept_challenge(const RawRecord& raw) {
  ChallengeRecord challenge{};
  if (auto f = decode_challenge(raw, challenge); !f.ok()) return fail(f);
  if (recovering_) return accept_recovery_challenge(challenge);
  // The destination sent CHALLENGE as it accepted: connection open -> here is a round trip.
  summary_.rtt_ns = clock_.now_ns() - started_ns_;
  policy_.set_round_trip_ns(summary_.rtt_ns);
  HelloRecord hello{};
  if (!send_hello(challenge, 0, hello)) return;
  session_ = session_id(challenge, hello);
  queue_header();
  send_set_.mark_all();
  phase_ = Phase::kRounds;
  switch (config_.mode) {
    case MigrationMode::kStopAndCopy:  // everything in one round, paused
      pause_and_capture();
      return begin_round(0, true);
    case MigrationMode::kPostcopy:  // nothing but the state, once the destination is prepared
      phase_ = Phase::kAwaitPrepared;
      return;
    case MigrationMode::kPrecopy:
    case MigrationMode::kHybrid: break;
  }
  if (!source_.begin_dirty_tracking().ok()) return fail(fault(StreamError::kSourceFailed));
  tracking_ = true;
  begin_round(0, false);
}

// The destination holds every page, our digest, and the loaded state; the guest waits
// there for COMMIT. Once COMMIT is queued this side never resumes the guest on its own.
void MigrationSender::accept_verified(const RawRecord& raw) {
  CommitRecord verified{};
  if (auto f = decode_commit(raw, verified); !f.ok()) return fail(f);
  if (verified.digest != summary_.digest) {
    return fail(
        StreamFault{StreamError::kDigestMismatch, raw.type, raw.offset, verified.digest, summary_.digest});
  }
  if (verified.page_count != source_.page_count()) {
    return fail(StreamFault{StreamError::kCommitMismatch, raw.type, raw.offset, verified.page_count,
                            source_.page_count()});
  }
  // Post-copy: the guest already runs on the destination, with every page now.
  verified_in_ns_ = clock_.now_ns();
  summary_.digest_verified = true;
  queue_record(RecordType::kCommit, CommitRecord{source_.page_count(), summary_.digest});
  if (finished()) return;
  committed_ = true;
  reply_deadline_ns_ = 0;
  phase_ = Phase::kAwaitCommitted;
  if (observer_ != nullptr) observer_->on_commit();
}

// The guest runs on the destination: only now is it freed here.
void MigrationSender::accept_committed(const RawRecord& raw) {
  CommitRecord committed{};
  if (auto f = decode_commit(raw, committed); !f.ok()) return fail(f);
  if (committed.digest != summary_.digest || committed.page_count != source_.page_count()) {
    return fail(
        StreamFault{StreamError::kCommitMismatch, raw.type, raw.offset, committed.digest, summary_.digest});
  }
  committed_in_ns_ = clock_.now_ns();
  tracking_ = false;
  source_.release();
  if (!switched_) account_pause(clock_.now_ns(), true);  // post-copy's pause ended at READY
  channel_.close();
  finish(MigrationOutcome::kSucceeded);
}

// --- Producing records ---------------------------------------------------------------

void MigrationSender::pump() {
  if (phase_ == Phase::kIdle || finished()) return;
  produced_ = 0;
  batched_ = 0;
  while (!finished()) {
    Expected<size_t> pushed = output_.push(channel_);
    if (!pushed) return fail(fault(StreamError::kChannelFailed));
    if (*pushed != 0) last_progress_ns_ = clock_.now_ns();
    if (output_.idle()) mark_output_idle();
    if (produced_ >= config_.pump_bytes || batched_ >= config_.pump_pages || !can_produce()) break;
    if (!produce()) break;
  }
  if (!finished()) check_timeouts();
}

// Everything queued so far is in TCP's hands: stamps the pause's milestone that was
// waiting for it (each once).
void MigrationSender::mark_output_idle() {
  uint64_t now = clock_.now_ns();
  if (phase_ == Phase::kState && round_.final && pages_out_ns_ == 0) {
    pages_out_ns_ = now;
  } else if ((phase_ == Phase::kVerify || phase_ == Phase::kEnd || phase_ == Phase::kAwaitReady) &&
             state_out_ns_ == 0) {
    state_out_ns_ = now;
  } else if (phase_ == Phase::kAwaitVerified && end_out_ns_ == 0) {
    end_out_ns_ = now;
  }
}

bool MigrationSender::produce() {
  switch (phase_) {
    case Phase::kRounds:
      if (send_next_batch() || finished()) return !finished();
      // A pre-copy round ends when its records are in TCP's hands, not merely queued
      // here: the policy measures the round's bandwidth and may pause the guest next,
      // and records still queued (a destination that read nothing for a second while it
      // set up a 64 MiB guest, decision 0016) would then be sent during the pause.
      if (!round_.final && !output_.idle()) return false;
      end_round();
      return !finished();
    case Phase::kDiscard: return queue_discards();
    case Phase::kState: queue_state(); return !finished();
    case Phase::kPostcopy: return send_postcopy_batch();
    case Phase::kVerify: return step_verify();
    case Phase::kEnd: queue_end(); return !finished();
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
  header.backend_features = kFeatureGuestCpuid | (source_.has_nic() ? kFeatureGuestNic : 0) |
                            (pulls_after_switch(config_.mode) ? kFeaturePostcopy : 0);
  header.vcpu_state_size = sizeof(x86::VcpuState);
  header.device_state_size = sizeof(DeviceState);
  copy_to_field(header.backend_name, config_.backend_name);
  copy_to_field(header.guest_name, config_.guest_name);
  copy_to_field(header.command_line, config_.command_line);
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
  return batch_record_size(pages);
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
  if (room.size() < kMinRecordBuffer) {  // the record buffer cannot hold one page: a caller's bug
    fail(fault(StreamError::kRecordTooLong, kPageSize, output_.space().size()));
    return false;
  }
  PageBatchEncoder batch(room.first(room.size() - kRecordTagSize), Framing::kSealed);
  // Zero pages take no data room, so a batch could take a whole round of them: the
  // pump's page budget bounds it too.
  uint64_t budget = config_.pump_pages > batched_ ? config_.pump_pages - batched_ : 1;
  for (; gfn < pages && batch.pages() < budget; gfn = send_set_.find_next(gfn + 1)) {
    const uint8_t* page = source_.page(gfn);
    if (page == nullptr) {
      fail(fault(StreamError::kSourceFailed, gfn, pages));
      return false;
    }
    uint64_t data_hash = 0;
    if (!batch.add_page(gfn, page, data_hash)) break;
    sent_digest_.record(gfn, data_hash);  // replaces the page's earlier term
  }
  if (batch.empty()) {  // the record buffer cannot hold one page: a caller's bug
    fail(fault(StreamError::kRecordTooLong, kPageSize, output_.space().size()));
    return false;
  }
  cursor_ = gfn;
  size_t size = seal_record(room, batch.finish(), sealer_);
  if (size == 0) {
    fail(fault(StreamError::kRecordTooLong, room.size(), 0));
    return false;
  }
  output_.queue(size);
  produced_ += size, summary_.wire_bytes += size, round_.wire_bytes += size;
  round_.pages_sent += batch.pages(), round_.zero_pages += batch.zero_pages();
  batched_ += batch.pages();
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
  if (round_.final) {
    round_.expected_downtime_ns = summary_.expected_downtime_ns;  // what was predicted for it
    if (observer_ != nullptr) observer_->on_round(round_);
    phase_ = Phase::kState;
    return;
  }
  round_.pages_dirtied = source_.collect_dirty(send_set_);
  PrecopyDecision decision = policy_.after_round(
      RoundMeasurement{round_.pages_sent, round_.wire_bytes, round_.duration_ns, round_.pages_dirtied});
  round_.remaining_pages = round_.pages_dirtied;
  round_.expected_downtime_ns = policy_.estimated_final_ns(round_.pages_dirtied);
  if (observer_ != nullptr) observer_->on_round(round_);
  if (decision == PrecopyDecision::kAnotherRound) return begin_round(round_.round + 1, false);
  summary_.stop_reason = decision;
  summary_.expected_downtime_ns = round_.expected_downtime_ns;
  summary_.bandwidth_bytes_per_s = policy_.bandwidth_bytes_per_s();
  if (config_.mode == MigrationMode::kHybrid) {
    pause_and_capture();
    (void)source_.collect_dirty(send_set_);  // stale on the destination: discarded there
    return begin_switch();
  }
  stop_and_copy();
}

// Pause, then one last round: what was dirtied since the last collection.
void MigrationSender::stop_and_copy() {
  uint32_t number = round_.round + 1;
  pause_and_capture();
  (void)source_.collect_dirty(send_set_);
  begin_round(number, true);
}

void MigrationSender::pause_and_capture() {
  source_.pause();
  tracking_ = true;  // paused: a failure must resume it
  paused_ns_ = clock_.now_ns();
  source_.capture(vcpu_, device_);
  if (source_.has_nic()) source_.capture_nic(nic_);
}

void MigrationSender::queue_state() {
  VcpuStateRecord record{};
  record.vcpu_index = 0;
  record.state_size = sizeof(x86::VcpuState);
  record.state = vcpu_;
  queue_record(RecordType::kVcpuState, record);
  queue_record(RecordType::kDeviceState, device_);
  if (source_.has_nic()) queue_record(RecordType::kNetDevice, nic_);
  if (pulls_after_switch(config_.mode)) return queue_switch();
  phase_ = config_.verify ? Phase::kVerify : Phase::kEnd;
}

// Verify mode: hashes a slice of the paused memory; once all of it is hashed, checks it
// against the pages sent (a difference is a write the dirty log missed) and queues
// VERIFY. False while more slices remain: the main loop gets control back between them.
bool MigrationSender::step_verify() {
  MemoryDigest::Step step =
      full_digest_.step([this](uint64_t gfn) { return source_.page(gfn); }, config_.digest_pages_per_pump);
  if (step == MemoryDigest::Step::kNoPage) {
    fail(fault(StreamError::kSourceFailed, full_digest_.failed_gfn(), source_.page_count()));
    return false;
  }
  if (step == MemoryDigest::Step::kMore) return false;
  if (full_digest_.value() != sent_digest_.value()) {
    fail(fault(StreamError::kDirtyLogMissed, full_digest_.value(), sent_digest_.value()));
    return false;
  }
  queue_record(RecordType::kVerify, VerifyRecord{kVerifyFullMemory, 0});
  phase_ = Phase::kEnd;
  return !finished();
}

// END with the digest kept as pages went out: nothing to compute while paused.
void MigrationSender::queue_end() {
  summary_.digest = sent_digest_.value();
  queue_record(RecordType::kEnd, EndRecord{source_.page_count(), summary_.digest});
  end_built_ns_ = clock_.now_ns();
  phase_ = Phase::kAwaitVerified;
}

// Fills the summary's downtime and PauseSteps from the milestones reached; the step in
// progress runs to `end_ns` (the release, or the resumption after a failure).
void MigrationSender::account_pause(uint64_t end_ns, bool released) {
  if (paused_ns_ == 0) return;  // the guest was never paused
  // After COMMITTED the guest already runs on the destination: the release here is
  // reported as a step but is no part of the outage.
  summary_.downtime_ns = (released ? committed_in_ns_ : end_ns) - paused_ns_;
  PauseSteps& p = summary_.pause;
  const uint64_t marks[] = {pages_out_ns_,   state_out_ns_,    end_built_ns_, end_out_ns_,
                            verified_in_ns_, committed_in_ns_, end_ns};
  uint64_t* const steps[] = {&p.final_pages_ns, &p.state_ns,  &p.verify_ns, &p.end_ns,
                             &p.ack_ns,         &p.commit_ns, &p.release_ns};
  uint64_t from = paused_ns_;
  for (size_t i = 0; i < 7; ++i) {
    bool reached = marks[i] != 0;
    uint64_t at = reached ? marks[i] : end_ns;
    *steps[i] = at - from;
    if (!reached) return;
    from = at;
  }
}

// --- Time-outs and the end -------------------------------------------------------------

void MigrationSender::check_timeouts() {
  uint64_t now = clock_.now_ns();
  bool waiting_on_peer = !output_.idle() || phase_ == Phase::kAwaitChallenge ||
                         phase_ == Phase::kAwaitPrepared || phase_ == Phase::kAwaitReady ||
                         phase_ == Phase::kAwaitMissing;
  uint64_t stall_limit = switched_ ? config_.postcopy_stall_timeout_ns : config_.stall_timeout_ns;
  if (waiting_on_peer && now - last_progress_ns_ > stall_limit) {
    return fail(fault(StreamError::kTimeout, now - last_progress_ns_, stall_limit));
  }
  bool awaiting = phase_ == Phase::kAwaitVerified || phase_ == Phase::kAwaitCommitted;
  if (!awaiting || !output_.idle()) return;
  uint64_t limit = phase_ == Phase::kAwaitVerified ? config_.ack_timeout_ns : config_.commit_timeout_ns;
  if (reply_deadline_ns_ == 0) {
    reply_deadline_ns_ = now + limit;  // END (or COMMIT) has left: the clock for the answer starts
  } else if (now > reply_deadline_ns_) {
    fail(fault(StreamError::kTimeout, now - (reply_deadline_ns_ - limit), limit));
  }
}

void MigrationSender::on_channel_closed() {
  if (phase_ != Phase::kIdle && !finished()) fail(fault(StreamError::kChannelFailed));
}

void MigrationSender::fail(StreamFault why, bool destination_refused) {
  if (finished()) return;
  summary_.failure = why;
  if (committed_ && !destination_refused && !switched_) {
    // COMMIT is out: the destination may run the guest. Keep it paused and whole here; an
    // unauthenticated close, a silence or a forged record is never taken as a verdict.
    source_.hold_for_settlement();
    tracking_ = false;
    account_pause(clock_.now_ns(), false);
    channel_.close();
    return finish(MigrationOutcome::kUnsettled);
  }
  // Before the switch nothing was freed: the guest goes on here. After it (post-copy,
  // hybrid) the destination runs the guest: it stays paused here, with all of its memory
  // (the outcome reads "split", section 12.4), even on a NACK.
  if (tracking_ && !switched_) source_.resume_after_failure();
  tracking_ = false;
  if (!switched_) account_pause(clock_.now_ns(), false);  // the pause this failure caused, if any
  channel_.close();
  finish(MigrationOutcome::kFailed);
}

void MigrationSender::finish(MigrationOutcome outcome) {
  summary_.outcome = outcome;
  summary_.total_ns = clock_.now_ns() - started_ns_;
  summary_.required_bytes = data_pages_ * kPageSize + sizeof(VcpuStateRecord) + sizeof(DeviceState) +
                            (source_.has_nic() ? sizeof(NetDeviceRecord) : 0);
  phase_ = Phase::kFinished;
  if (observer_ != nullptr) observer_->on_finished(summary_);
}

}  // namespace godwit::migration
