// MigrationSender's recovery half (docs/migration-stream.md, section 12.5; decision 0023):
// a split post-copy migration continued over a new connection. HELLO sets kHelloRecovery,
// RECOVER names the migration (the first connection's handshake hash and the guest's
// size), the destination's RECOVER_MISSING chunks become the send set, and from there the
// post-copy push, END, VERIFIED, COMMIT and COMMITTED run as on the first connection. The
// guest stays paused here throughout, as it was since the switch; only COMMITTED frees it.
#include <cstring>

#include "migration/migration_sender.h"
#include "migration/postcopy_format.h"
#include "migration/sealed_records.h"

namespace godwit::migration {

bool MigrationSender::resume(const uint8_t (&nonce)[kNonceSize]) {
  if (!recoverable()) return false;
  std::memcpy(config_.nonce, nonce, kNonceSize);
  // Everything of the old connection goes: its queued bytes, its keys, its reader, its
  // unanswered requests (the destination asks again). The send set and the digest stay.
  output_ = RecordOutput(record_buffer_);
  replies_ = RecordReader(reply_buffer_);
  sealer_ = RecordSealer();
  opener_ = RecordOpener();
  demand_ = DemandQueue();
  missing_ = MissingSetReader(source_.page_count());
  committed_ = false;
  reply_deadline_ns_ = 0;
  recovering_ = true;
  summary_.outcome = MigrationOutcome::kInProgress;
  summary_.failure = {};
  ++summary_.recoveries;
  last_progress_ns_ = clock_.now_ns();
  phase_ = Phase::kAwaitChallenge;
  return true;
}

// The new connection's keys come from its two fresh nonces, as on every connection; the
// recovery flag is in HELLO, so in the keys too. RECOVER is our first sealed record.
void MigrationSender::accept_recovery_challenge(const ChallengeRecord& challenge) {
  HelloRecord hello{};
  if (!send_hello(challenge, kHelloRecovery, hello)) return;
  RecoverRecord recover{};
  std::memcpy(recover.session, session_.bytes, kSessionIdSize);
  recover.pages = source_.page_count();
  queue_record(RecordType::kRecover, recover);
  if (finished()) return;
  phase_ = Phase::kAwaitMissing;
}

// The destination holds no stranded migration, and said (sealed) what it knows of ours.
// The split was one of the two windows the source cannot see through on its own (decision
// 0023): COMMIT arrived but COMMITTED was lost (the guest runs there, whole), or READY
// came back but GO never arrived (the guest never ran there: this copy is the guest).
void MigrationSender::accept_recovery_verdict(uint64_t detail) {
  auto verdict = detail <= static_cast<uint64_t>(RecoveryVerdict::kGivenUp)
                     ? static_cast<RecoveryVerdict>(detail)
                     : RecoveryVerdict::kUnknown;
  summary_.recovery_verdict = static_cast<uint8_t>(verdict);
  settled_ = true;  // no recovery can continue it from here on
  channel_.close();
  switch (verdict) {
    case RecoveryVerdict::kRunsHere:
      source_.release();
      summary_.failure = {};
      return finish(MigrationOutcome::kSucceeded);
    case RecoveryVerdict::kNeverRan:
      source_.resume_after_failure();  // complete here, and never run anywhere else
      return finish(MigrationOutcome::kFailed);
    case RecoveryVerdict::kUnknown:
    case RecoveryVerdict::kGivenUp: break;
  }
  // The destination holds nothing of it: what ran there is gone, and this copy is stale.
  finish(MigrationOutcome::kFailed);
}

// One chunk of what the destination lacks. Once every page is covered the send set is
// exactly the missing set (pages lost with the old connection are in it again), and the
// push starts over from gfn 0; the destination asks again for the pages its guest waits on.
void MigrationSender::accept_missing(const RawRecord& raw) {
  if (auto f = missing_.accept(raw, send_set_); !f.ok()) return fail(f);
  if (!missing_.complete()) return;
  summary_.recovered_missing = send_set_.count();
  push_cursor_ = 0;
  phase_ = send_set_.count() == 0 ? Phase::kEnd : Phase::kPostcopy;
}

}  // namespace godwit::migration
