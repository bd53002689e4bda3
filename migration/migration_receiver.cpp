#include "migration/migration_receiver.h"

#include "migration/postcopy_format.h"
#include "migration/stream_auth.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

static_assert(record_size(sizeof(ChallengeRecord)) <= 64 && record_size(sizeof(AckRecord)) <= 64);

MigrationReceiver::MigrationReceiver(const ReceiverConfig& config, DestinationGuestFactory& factory,
                                     ByteChannel& channel, Clock& clock, std::span<uint8_t> body_buffer,
                                     std::span<uint64_t> coverage_bits, std::span<uint64_t> digest_terms)
    : config_(config),
      factory_(factory),
      channel_(channel),
      clock_(clock),
      decoder_(body_buffer, coverage_bits),
      output_(out_buffer_),
      digest_terms_(digest_terms) {}

void MigrationReceiver::start() {
  ChallengeRecord challenge{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 0, {}};
  __builtin_memcpy(challenge.nonce, config_.nonce, kNonceSize);
  output_.queue(encode_record(output_.space(), RecordType::kChallenge, challenge));
  phase_ = Phase::kReceiving;
  last_progress_ns_ = clock_.now_ns();
  flush();
}

void MigrationReceiver::on_receive(std::span<const uint8_t> bytes) {
  if (phase_ == Phase::kIdle || outcome_ != Outcome::kInProgress) return;
  last_progress_ns_ = clock_.now_ns();
  stats_.bytes_received += bytes.size();
  while (!bytes.empty() && outcome_ == Outcome::kInProgress) {
    size_t used = 0;
    StreamFault fault;
    StreamDecoder::Step step = decoder_.next(bytes, used, fault);
    bytes = bytes.subspan(used);
    if (step == StreamDecoder::Step::kFault) return fail(fault);
    if (step == StreamDecoder::Step::kRecord) apply_record();
  }
}

// The decoder checked the record's form and place in the stream; this does what it says.
void MigrationReceiver::apply_record() {
  ++stats_.records;
  switch (decoder_.type()) {
    case RecordType::kHeader: {
      const HeaderRecord& header = decoder_.header();
      if (!mac_equal(header_mac(config_.key, config_.nonce, header), header.mac)) {
        return fail(StreamFault{StreamError::kAuthenticationFailed,
                                static_cast<uint32_t>(RecordType::kHeader), 0, 0, 0});
      }
      // The decoder refused a guest larger than the coverage bitmap; the digest's terms
      // are sized for the same largest guest.
      if (decoder_.guest_pages() > digest_terms_.size()) {
        return fail(
            fault(StreamError::kBadHeaderField, header.memory_bytes, digest_terms_.size() * kPageSize));
      }
      received_digest_ = IncrementalDigest(digest_terms_, decoder_.guest_pages());
      if (decoder_.postcopy()) {
        if (PageBitmap::words_for(decoder_.guest_pages()) > present_bits_.size() ||
            PageBitmap::words_for(decoder_.guest_pages()) > requested_bits_.size()) {
          return fail(fault(StreamError::kUnsupportedFeature, kFeaturePostcopy, kKnownBackendFeatures));
        }
        pages_ = PostcopyPages(present_bits_, requested_bits_, decoder_.guest_pages());
        stats_.postcopy = true;
      }
      Expected<DestinationGuest*> guest = factory_.create(header);
      if (!guest) return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(guest.error())));
      if (*guest == nullptr) return fail(fault(StreamError::kGuestRefused));
      guest_ = *guest;
      return;
    }
    case RecordType::kCpuid: {
      uint64_t detail = 0;
      if (Status set = guest_->set_cpuid(decoder_.cpuid(), detail); !set.ok()) {
        return fail(fault(StreamError::kCpuModelRefused, detail));
      }
      if (stats_.postcopy) {  // the guest is built: a post-copy source may pause now
        PostcopyPreparedRecord prepared{decoder_.guest_pages(), 0};
        if (!queue_reply(RecordType::kPostcopyPrepared,
                         std::span(reinterpret_cast<const uint8_t*>(&prepared), sizeof prepared))) {
          return fail(fault(StreamError::kRecordTooLong, sizeof prepared, 0));
        }
      }
      return;
    }
    case RecordType::kRound: ++stats_.rounds; return;
    case RecordType::kPageBatch: return decoder_.after_go() ? apply_postcopy_batch() : apply_batch();
    case RecordType::kPostcopyDiscard: return apply_discard();
    case RecordType::kPostcopySwitch: return apply_switch();
    case RecordType::kPostcopyGo: return apply_go();
    case RecordType::kVcpuState: vcpu_ = decoder_.vcpu().state; return;
    case RecordType::kDeviceState: device_ = decoder_.device(); return;
    case RecordType::kNetDevice:
      net_device_ = decoder_.net_device();
      has_net_device_ = true;
      return;
    case RecordType::kEnd:
      end_in_ns_ = clock_.now_ns();
      stats_.verify = decoder_.verify_requested();
      if (!stats_.verify) return acknowledge();
      full_digest_ = MemoryDigest(decoder_.guest_pages());
      phase_ = Phase::kVerifying;
      return;
    default: return;
  }
}

// Copies each data page into the guest and hashes it in the same pass; zero runs cost
// no hashing (kZeroPageDataHash). Each page's digest term replaces its earlier one.
void MigrationReceiver::apply_batch() {
  StreamFault failure;
  decoder_.batch().for_each([&](const PageRun& run) {
    if (!failure.ok()) return;
    stats_.pages_received += run.pages;
    if (stats_.postcopy) {
      for (uint64_t gfn = run.gfn; gfn - run.gfn < run.pages; ++gfn) pages_.received_before_switch(gfn);
    }
    if (run.data.empty()) {
      stats_.zero_pages += run.pages;
      if (Status status = guest_->write_zero_pages(run.gfn, run.pages); !status.ok()) {
        failure = fault(StreamError::kGuestRefused, static_cast<uint64_t>(status.error()), run.gfn);
        return;
      }
      for (uint64_t gfn = run.gfn; gfn - run.gfn < run.pages; ++gfn) received_digest_.record_zero(gfn);
      return;
    }
    Expected<uint8_t*> page = guest_->page_to_write(run.gfn);
    if (!page) {
      failure = fault(StreamError::kGuestRefused, static_cast<uint64_t>(page.error()), run.gfn);
      return;
    }
    received_digest_.record(run.gfn, copy_page_and_hash(*page, run.data.data()));
  });
  if (!failure.ok()) fail(failure);
}

void MigrationReceiver::pump() {
  if (phase_ == Phase::kIdle || outcome_ != Outcome::kInProgress) return;
  if (phase_ == Phase::kVerifying) verify_step();
  flush();
  if (outcome_ != Outcome::kInProgress) return;
  uint64_t now = clock_.now_ns();
  // Waiting for bytes, or for the window.
  bool waiting = phase_ == Phase::kReceiving || phase_ == Phase::kAcking || phase_ == Phase::kAwaitGo ||
                 phase_ == Phase::kPostcopy;
  uint64_t limit = started_ ? config_.postcopy_idle_timeout_ns : config_.idle_timeout_ns;
  if (waiting && now - last_progress_ns_ > limit) {
    fail(fault(StreamError::kTimeout, now - last_progress_ns_, limit));
  }
}

// Verify mode: a slice of the full digest; at the end, compare it too, then acknowledge.
void MigrationReceiver::verify_step() {
  auto step =
      full_digest_.step([this](uint64_t gfn) { return guest_->page(gfn); }, config_.digest_pages_per_pump);
  if (step == MemoryDigest::Step::kNoPage)
    return fail(fault(StreamError::kMissingPages, full_digest_.failed_gfn()));
  if (step == MemoryDigest::Step::kMore) return;
  if (full_digest_.value() != decoder_.end().digest) {
    return fail(fault(StreamError::kDigestMismatch, full_digest_.value(), decoder_.end().digest));
  }
  acknowledge();
}

// Compares the digest kept as pages arrived with END's, loads the state and queues the
// ACK. The guest starts once the ACK has left (flush), so a guest never runs here
// unacknowledged.
void MigrationReceiver::acknowledge() {
  // Post-copy: the state was loaded at the switch, and the guest runs; every page must be
  // here now (the decoder's coverage also counts pages made stale since).
  if (stats_.postcopy && !pages_.complete())
    return fail(fault(StreamError::kMissingPages, pages_.present_count(), pages_.page_count()));
  uint64_t digest = received_digest_.value();
  if (digest != decoder_.end().digest)
    return fail(fault(StreamError::kDigestMismatch, digest, decoder_.end().digest));
  stats_.digest_verified = true;
  verified_ns_ = clock_.now_ns();
  if (!stats_.postcopy) {
    if (Status loaded = guest_->load_state(vcpu_, device_); !loaded.ok()) {
      return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(loaded.error())));
    }
    if (has_net_device_) {
      if (Status loaded = guest_->load_nic(net_device_); !loaded.ok()) {
        return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(loaded.error())));
      }
    }
  }
  AckRecord ack{digest, {}};
  Sha256Digest mac = ack_mac(config_.key, config_.nonce, ack);
  __builtin_memcpy(ack.mac, mac.bytes, kSha256Size);
  if (!queue_reply(RecordType::kAck, std::span(reinterpret_cast<const uint8_t*>(&ack), sizeof ack))) {
    return fail(fault(StreamError::kRecordTooLong, sizeof ack, output_.space().size()));
  }
  ack_queued_ns_ = clock_.now_ns();
  phase_ = Phase::kAcking;
}

void MigrationReceiver::flush() {
  Expected<size_t> pushed = output_.push(channel_);
  if (!pushed) return fail(fault(StreamError::kChannelFailed));
  if (*pushed != 0) last_progress_ns_ = clock_.now_ns();
  if (phase_ == Phase::kAcking && output_.idle()) {
    uint64_t ack_out = clock_.now_ns();
    phase_ = Phase::kDone;
    outcome_ = Outcome::kRunning;
    if (started_) {
      guest_->finish_postcopy();  // it has been running since GO
    } else {
      guest_->start();
    }
    uint64_t resumed = clock_.now_ns();
    stats_.steps = ArrivalSteps{verified_ns_ - end_in_ns_, ack_queued_ns_ - verified_ns_,
                                ack_out - ack_queued_ns_, resumed - ack_out};
    guest_ = nullptr;  // the VM layer owns it now
    channel_.close();
  }
}

// Queues one reply record; false when the output buffer has no room for it now.
bool MigrationReceiver::queue_reply(RecordType type, std::span<const uint8_t> body) {
  size_t size = encode_record(output_.space(), type, body);
  if (size == 0) return false;
  output_.queue(size);
  return true;
}

void MigrationReceiver::on_channel_closed() {
  if (phase_ == Phase::kIdle || outcome_ != Outcome::kInProgress) return;
  StreamFault why = decoder_.finish();
  fail(why.ok() ? fault(StreamError::kChannelFailed) : why);
}

void MigrationReceiver::fail(StreamFault why) {
  if (outcome_ != Outcome::kInProgress) return;
  outcome_ = Outcome::kFailed;
  failure_ = why;
  phase_ = Phase::kDone;
  if (guest_ != nullptr && started_) {
    guest_->strand();  // it ran here: what it wrote exists nowhere else
    stats_.stranded = true;
  } else if (guest_ != nullptr) {
    guest_->discard();
  }
  guest_ = nullptr;
  // Best effort: tell the source why, unless the connection itself is the problem.
  bool connection_usable = why.code != StreamError::kChannelFailed && why.code != StreamError::kTruncated;
  if (connection_usable && output_.idle()) {
    RecordOutput nack_output(out_buffer_);
    nack_output.queue(encode_record(nack_output.space(), RecordType::kNack,
                                    NackRecord{static_cast<uint32_t>(why.code), 0, why.value}));
    (void)nack_output.push(channel_);
  }
  channel_.close();
}

}  // namespace godwit::migration
