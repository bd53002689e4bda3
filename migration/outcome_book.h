// What a destination remembers of the migrations it received, so that it can answer a
// recovery that finds nothing to recover (docs/migration-stream.md, section 12.5): the
// source of a post-copy migration that split just after COMMIT, or just after READY,
// cannot tell on its own whether the guest runs at the destination or never ran there.
// The destination's sealed answer tells it (RecoveryVerdict). A few recent migrations are
// enough: a source asks within minutes of its split, and an answer of kUnknown is safe
// (the source then keeps its copy paused and says the guest cannot continue).
#pragma once

#include <cstddef>
#include <cstdint>

#include "migration/recovery_format.h"

namespace godwit::migration {

class OutcomeBook {
 public:
  // The verdict on migration `session` (RECOVER's `session` field), kUnknown if none.
  virtual RecoveryVerdict verdict(const uint8_t (&session)[kSessionIdSize]) const = 0;

 protected:
  ~OutcomeBook() = default;
};

// The last kEntries migrations' verdicts, the oldest forgotten first; remembering a
// session again replaces its verdict (a stranded migration recovered later runs here).
class RecentOutcomes final : public OutcomeBook {
 public:
  static constexpr size_t kEntries = 16;

  void remember(const SessionId& session, RecoveryVerdict verdict);
  RecoveryVerdict verdict(const uint8_t (&session)[kSessionIdSize]) const override;

 private:
  struct Entry {
    SessionId session;
    RecoveryVerdict verdict = RecoveryVerdict::kUnknown;
    bool used = false;
  };
  Entry entries_[kEntries] = {};
  size_t next_ = 0;  // the slot the next new session takes
};

}  // namespace godwit::migration
