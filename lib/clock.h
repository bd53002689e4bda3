// A monotonic clock handed to pure code (the dirty tracker, the migration state
// machines) so that it runs on the host under a fake one. The kernel's is
// clock::monotonic() (kernel/time/clock.h).
#pragma once

#include <cstdint>

namespace godwit {

class Clock {
 public:
  virtual uint64_t now_ns() = 0;  // nanoseconds, never going back

 protected:
  ~Clock() = default;
};

}  // namespace godwit
