#include "migration/outcome_book.h"

#include "migration/recovery.h"

namespace godwit::migration {

const char* to_string(RecoveryVerdict verdict) {
  switch (verdict) {
    case RecoveryVerdict::kRunsHere: return "runs-there";
    case RecoveryVerdict::kNeverRan: return "never-ran";
    case RecoveryVerdict::kGivenUp: return "given-up";
    case RecoveryVerdict::kUnknown: break;
  }
  return "unknown";
}

void RecentOutcomes::remember(const SessionId& session, RecoveryVerdict verdict) {
  for (Entry& entry : entries_) {
    if (entry.used && same_session(session, entry.session.bytes)) {
      entry.verdict = verdict;
      return;
    }
  }
  entries_[next_] = Entry{session, verdict, true};
  next_ = (next_ + 1) % kEntries;
}

RecoveryVerdict RecentOutcomes::verdict(const uint8_t (&session)[kSessionIdSize]) const {
  for (const Entry& entry : entries_) {
    if (entry.used && same_session(entry.session, session)) return entry.verdict;
  }
  return RecoveryVerdict::kUnknown;
}

}  // namespace godwit::migration
