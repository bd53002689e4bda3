#include "migration/migration_receiver.h"

#include "migration/postcopy_format.h"
#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

static_assert(record_size(sizeof(ChallengeRecord)) <= 64 && sealed_record_size(sizeof(CommitRecord)) <= 64 &&
              sealed_record_size(sizeof(NackRecord)) <= 64);

MigrationReceiver::MigrationReceiver(const ReceiverConfig& config, DestinationGuestFactory& factory,
                                     ByteChannel& channel, Clock& clock, std::span<uint8_t> body_buffer,
                                     std::span<uint64_t> coverage_bits, std::span<uint64_t> digest_terms)
    : config_(config),
      factory_(factory),
      channel_(channel),
      clock_(clock),
      hello_reader_(hello_buffer_),
      decoder_(body_buffer, coverage_bits),
      output_(out_buffer_),
      digest_terms_(digest_terms) {}

void MigrationReceiver::start() {
  challenge_ = ChallengeRecord{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 0, {}};
  __builtin_memcpy(challenge_.nonce, config_.nonce, kNonceSize);
  output_.queue(encode_record(output_.space(), RecordType::kChallenge, challenge_));
  phase_ = Phase::kHello;
  last_progress_ns_ = clock_.now_ns();
  handshake_deadline_ns_ = last_progress_ns_ + config_.handshake_timeout_ns;
  flush();
}

void MigrationReceiver::on_receive(std::span<const uint8_t> bytes) {
  if (phase_ == Phase::kIdle || outcome_ != Outcome::kInProgress) return;
  stats_.bytes_received += bytes.size();
  while (!bytes.empty() && outcome_ == Outcome::kInProgress) {
    size_t used = 0;
    StreamFault fault;
    if (phase_ == Phase::kHello) {
      RawRecord raw{};
      RecordReader::Step step = hello_reader_.next(bytes, used, raw, fault);
      bytes = bytes.subspan(used);
      if (step == RecordReader::Step::kFault) return fail(fault);
      if (step == RecordReader::Step::kRecord) accept_hello(raw);
      continue;
    }
    StreamDecoder::Step step = decoder_.next(bytes, used, fault);
    bytes = bytes.subspan(used);
    if (step == StreamDecoder::Step::kFault) return fail(fault);
    if (step == StreamDecoder::Step::kRecord) {
      last_progress_ns_ = clock_.now_ns();  // an opened record, not any byte, is progress
      apply_record();
    }
  }
}

// The last clear record: the source's nonce and mode give the session's keys; from the
// next byte on, every record is sealed. The first one must be a HEADER (the decoder
// refuses anything else there), no longer than one.
void MigrationReceiver::accept_hello(const RawRecord& raw) {
  if (raw.type != static_cast<uint32_t>(RecordType::kHello)) {
    return fail(StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0});
  }
  HelloRecord hello{};
  if (auto f = decode_hello(raw, hello); !f.ok()) return fail(f);
  if (!check_hello_kind(hello, raw)) return;
  auto mode = static_cast<Protection>(hello.protection);
  if (config_.require_encryption && mode != Protection::kEncrypted) {
    return fail(StreamFault{StreamError::kUnsupportedFeature, raw.type, raw.offset, hello.protection,
                            static_cast<uint64_t>(Protection::kEncrypted)});
  }
  uint8_t handshake[sizeof(ChallengeRecord) + sizeof(HelloRecord)];
  __builtin_memcpy(handshake, &challenge_, sizeof(challenge_));
  __builtin_memcpy(handshake + sizeof(challenge_), &hello, sizeof(hello));
  Expected<SessionKeys> keys = derive_session_keys(config_.key, config_.nonce, hello.nonce, mode, handshake);
  if (!keys) return fail(StreamFault{StreamError::kAuthenticationFailed, raw.type, raw.offset, 0, 0});
  sealer_ = RecordSealer(keys->destination_to_source, mode);
  opener_ = RecordOpener(keys->source_to_destination, mode);
  keyed_ = true;
  if (!recovering_ && !answering_) {
    session_ = session_id(challenge_, hello);
    identified_ = true;
  }
  stats_.encrypted = mode == Protection::kEncrypted;
  if (answering_) decoder_.answer_recovery();  // before protect(): it starts a fresh reader
  decoder_.protect(opener_);
  decoder_.limit_body(sizeof(HeaderRecord));
  decoder_.start_at(hello_reader_.stream_offset());  // faults name offsets in the whole stream
  phase_ = Phase::kReceiving;
}

// The decoder opened the record and checked its form and place in the stream; this does
// what it says.
void MigrationReceiver::apply_record() {
  ++stats_.records;
  switch (decoder_.type()) {
    case RecordType::kHeader: {
      // It opened: the source holds the key. Only now does it get full-size records.
      authenticated_ = true;
      decoder_.limit_body(SIZE_MAX);
      const HeaderRecord& header = decoder_.header();
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
        if (!queue_reply(RecordType::kPostcopyPrepared, prepared)) {
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
      if (!stats_.verify) return send_verified();
      full_digest_ = MemoryDigest(decoder_.guest_pages());
      phase_ = Phase::kVerifying;
      return;
    case RecordType::kCommit: return commit();
    case RecordType::kRecover: return apply_recover();
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
  if (phase_ == Phase::kSendMissing) send_missing();
  flush();
  if (outcome_ != Outcome::kInProgress) return;
  uint64_t now = clock_.now_ns();
  if (!authenticated_) {
    if (now > handshake_deadline_ns_)
      fail(fault(StreamError::kHandshakeTimeout,
                 now - (handshake_deadline_ns_ - config_.handshake_timeout_ns),
                 config_.handshake_timeout_ns));
    return;
  }
  if (phase_ == Phase::kAwaitCommit && verified_out_ns_ != 0) {
    if (now > commit_deadline_ns_)
      fail(fault(StreamError::kTimeout, now - verified_out_ns_, config_.commit_timeout_ns));
    return;
  }
  bool waiting = phase_ != Phase::kVerifying;  // for records, or for the send window
  uint64_t limit = running_ ? config_.postcopy_idle_timeout_ns : config_.idle_timeout_ns;
  if (waiting && now - last_progress_ns_ > limit) {
    fail(fault(StreamError::kTimeout, now - last_progress_ns_, limit));
  }
}

// Verify mode: a slice of the full digest; at the end, compare it too, then go on.
void MigrationReceiver::verify_step() {
  auto step =
      full_digest_.step([this](uint64_t gfn) { return guest_->page(gfn); }, config_.digest_pages_per_pump);
  if (step == MemoryDigest::Step::kNoPage)
    return fail(fault(StreamError::kMissingPages, full_digest_.failed_gfn()));
  if (step == MemoryDigest::Step::kMore) return;
  if (full_digest_.value() != decoder_.end().digest) {
    return fail(fault(StreamError::kDigestMismatch, full_digest_.value(), decoder_.end().digest));
  }
  send_verified();
}

// Compares the digest kept as pages arrived with END's, loads the state and queues
// VERIFIED. The guest does not run yet: only the source's COMMIT starts it (commit()).
// Post-copy: the state was loaded at the switch, and the guest runs since GO; every page
// must be here now (the decoder's coverage also counts pages made stale since).
void MigrationReceiver::send_verified() {
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
  size_t size = encode_sealed(output_.space(), RecordType::kVerified,
                              CommitRecord{decoder_.end().page_count, digest}, sealer_);
  if (size == 0) return fail(fault(StreamError::kRecordTooLong));
  output_.queue(size);
  verified_queued_ns_ = clock_.now_ns();
  stats_.verified_sent = true;
  phase_ = Phase::kAwaitCommit;
}

// The source's COMMIT, sealed as its last record: it will not resume the guest on its
// own any more. The guest starts here now (post-copy: it has run since GO and now has
// every page); COMMITTED lets the source free its copy.
void MigrationReceiver::commit() {
  if (phase_ != Phase::kAwaitCommit) {  // COMMIT before our VERIFIED: the source broke the order
    return fail(
        StreamFault{StreamError::kUnexpectedRecord, static_cast<uint32_t>(RecordType::kCommit), 0, 0, 0});
  }
  const CommitRecord& commit = decoder_.commit();
  if (commit.page_count != decoder_.end().page_count || commit.digest != decoder_.end().digest) {
    return fail(fault(StreamError::kCommitMismatch, commit.digest, decoder_.end().digest));
  }
  commit_in_ns_ = clock_.now_ns();
  if (running_) {
    guest_->finish_postcopy();
  } else {
    guest_->start();
  }
  started_ = true;
  uint64_t resumed = clock_.now_ns();
  stats_.steps = ArrivalSteps{verified_ns_ - end_in_ns_, verified_queued_ns_ - verified_ns_,
                              verified_out_ns_ - verified_queued_ns_, commit_in_ns_ - verified_out_ns_,
                              resumed - commit_in_ns_};
  phase_ = Phase::kCommitted;
  size_t size = encode_sealed(output_.space(), RecordType::kCommitted, commit, sealer_);
  if (size == 0) {
    stats_.committed_unconfirmed = true;
    return finish_running();
  }
  output_.queue(size);
  flush();
}

// Paused and kept (once), with everything a recovery needs (recoverable()).
void MigrationReceiver::strand_guest() {
  if (!guest_stranded_) guest_->strand();
  guest_stranded_ = true;
  stats_.stranded = true;
}

// The guest runs here: whatever happens to the connection now, it is ours.
void MigrationReceiver::finish_running() {
  phase_ = Phase::kDone;
  outcome_ = Outcome::kRunning;
  guest_ = nullptr;  // the VM layer owns it now
  channel_.close();
}

void MigrationReceiver::flush() {
  Expected<size_t> pushed = output_.push(channel_);
  if (!pushed) return fail(fault(StreamError::kChannelFailed));
  if (*pushed != 0) last_progress_ns_ = clock_.now_ns();
  if (!output_.idle()) return;
  if (phase_ == Phase::kAwaitGo && ready_out_ns_ == 0) {
    ready_out_ns_ = clock_.now_ns();
  } else if (phase_ == Phase::kAwaitCommit && verified_out_ns_ == 0) {
    verified_out_ns_ = clock_.now_ns();
    commit_deadline_ns_ = verified_out_ns_ + config_.commit_timeout_ns;
  } else if (phase_ == Phase::kCommitted) {
    finish_running();
  }
}

void MigrationReceiver::on_channel_closed() {
  if (phase_ == Phase::kIdle || outcome_ != Outcome::kInProgress) return;
  StreamFault why = phase_ == Phase::kHello ? StreamFault{} : decoder_.finish();
  // A stream cut after END is complete as data, but no COMMIT came: the connection failed.
  fail(why.ok() ? fault(StreamError::kChannelFailed) : why);
}

void MigrationReceiver::fail(StreamFault why) {
  if (outcome_ != Outcome::kInProgress) return;
  if (started_) {  // after COMMIT: the guest runs here; only COMMITTED went missing
    stats_.committed_unconfirmed = true;
    return finish_running();
  }
  outcome_ = Outcome::kFailed;
  failure_ = why;
  phase_ = Phase::kDone;
  if (guest_ != nullptr && running_) {
    strand_guest();  // it ran here: what it wrote exists nowhere else; kept for a recovery
  } else if (guest_ != nullptr) {
    guest_->discard();
    guest_ = nullptr;
  }
  // Best effort: tell the source why, sealed, so it knows the guest never runs here.
  // Before keys exist there is nothing the source could trust: just close.
  bool connection_usable = why.code != StreamError::kChannelFailed && why.code != StreamError::kTruncated;
  if (keyed_ && connection_usable && output_.idle() && !sealer_.closed()) {
    RecordOutput nack_output(out_buffer_);
    size_t size = encode_sealed(nack_output.space(), RecordType::kNack,
                                NackRecord{static_cast<uint32_t>(why.code), 0, why.value}, sealer_);
    if (size != 0) {
      nack_output.queue(size);
      (void)nack_output.push(channel_);
    }
  }
  channel_.close();
}

}  // namespace godwit::migration
