// MigrationReceiver's recovery half (docs/migration-stream.md, section 12.5; decision
// 0023): a stranded post-copy migration continued over a new connection. The new
// connection gets a fresh CHALLENGE and keys like any other; its HELLO must set
// kHelloRecovery and its first sealed record must be RECOVER naming this migration (the
// first connection's handshake hash and the guest's size). Then the missing set goes back
// in RECOVER_MISSING chunks, the guest runs again, the pages its vCPU waits for are asked
// for again, and the pass goes on to END, VERIFIED, COMMIT and COMMITTED.
#include <cstring>

#include "migration/migration_receiver.h"
#include "migration/postcopy_format.h"

namespace godwit::migration {

bool MigrationReceiver::resume(const uint8_t (&nonce)[kNonceSize]) {
  if (!recoverable()) return false;
  std::memcpy(config_.nonce, nonce, kNonceSize);
  // The old connection's reader, keys and queued bytes go; the guest, the presence map,
  // the digest terms and the decoder's coverage stay.
  hello_reader_ = RecordReader(hello_buffer_);
  output_ = RecordOutput(out_buffer_);
  sealer_ = RecordSealer();
  opener_ = RecordOpener();
  decoder_.resume();
  keyed_ = false;
  authenticated_ = false;
  recovering_ = true;
  outcome_ = Outcome::kInProgress;
  failure_ = {};
  verified_out_ns_ = 0;
  missing_cursor_ = 0;
  phase_ = Phase::kIdle;  // start() sends the new CHALLENGE
  return true;
}

// A recovery HELLO only where a stranded migration waits; an ordinary one only where none
// does (its stranded guest's buffers are in use).
bool MigrationReceiver::check_hello_kind(const HelloRecord& hello, const RawRecord& raw) {
  bool recovery = (hello.flags & kHelloRecovery) != 0;
  if (recovery == recovering_) return true;
  if (recovery && config_.outcomes != nullptr) {  // answered once RECOVER proves the key
    answering_ = true;
    return true;
  }
  fail(StreamFault{recovery ? StreamError::kNothingToRecover : StreamError::kAwaitingRecovery, raw.type,
                   raw.offset, 0, 0});
  return false;
}

// RECOVER opened: the peer holds the key. It must name this migration.
void MigrationReceiver::apply_recover() {
  if (answering_) return answer_recovery();
  const RecoverRecord& recover = decoder_.recover();
  if (!same_session(session_, recover.session) || recover.pages != pages_.page_count()) {
    return fail(fault(StreamError::kWrongMigration, recover.pages, pages_.page_count()));
  }
  authenticated_ = true;
  decoder_.limit_body(SIZE_MAX);
  last_progress_ns_ = clock_.now_ns();
  phase_ = Phase::kSendMissing;
}

// RECOVER opened on a node with no stranded migration: its sender holds the key, so it
// gets the verdict on the migration it names, sealed, and the connection ends.
void MigrationReceiver::answer_recovery() {
  authenticated_ = true;
  RecoveryVerdict verdict = config_.outcomes->verdict(decoder_.recover().session);
  fail(fault(StreamError::kNothingToRecover, static_cast<uint64_t>(verdict)));
}

RecoveryVerdict MigrationReceiver::verdict() const {
  if (!identified_) return RecoveryVerdict::kUnknown;
  if (outcome_ == Outcome::kRunning) return RecoveryVerdict::kRunsHere;
  // Failed, and not kept for a recovery: discarded before the guest ever ran here.
  if (outcome_ == Outcome::kFailed && !stats_.stranded) return RecoveryVerdict::kNeverRan;
  return RecoveryVerdict::kUnknown;
}

// As many RECOVER_MISSING chunks as the output takes; after the last, the guest runs
// again and asks again for what it waits on (its requests went down with the old
// connection; at most what the output holds, the push brings the rest).
void MigrationReceiver::send_missing() {
  uint64_t pages = pages_.page_count();
  while (missing_cursor_ < pages) {
    RecoverMissingRecord chunk = fill_missing_chunk(pages_.present_map(), missing_cursor_);
    if (!queue_reply(RecordType::kRecoverMissing, chunk)) return;  // the next pump() goes on
    missing_cursor_ += chunk.pages;
  }
  if (Status rejoined = guest_->rejoin(); !rejoined.ok()) {
    return fail(fault(StreamError::kGuestRefused, static_cast<uint64_t>(rejoined.error())));
  }
  guest_stranded_ = false;
  for (uint64_t gfn = pages_.next_outstanding(0); gfn < pages; gfn = pages_.next_outstanding(gfn + 1)) {
    if (!queue_reply(RecordType::kPageRequest, PageRequestRecord{gfn, 0})) break;
    ++stats_.page_requests;
  }
  phase_ = Phase::kPostcopy;
}

}  // namespace godwit::migration
