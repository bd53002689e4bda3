// Guest time: a monotonic nanosecond clock that the hypervisor keeps per guest and
// carries across migrations (it never goes backwards).
#pragma once

#include <cstdint>

#include "guests/lib/hypercall.h"

namespace godwit::guest {

inline constexpr uint64_t kNsPerMs = 1'000'000;

// Blocks until guest time reaches `deadline_ns`. kBlockUntil may return early (a
// migration, a capped wait), so this asks again until the deadline has passed.
void sleep_until(uint64_t deadline_ns);
inline void sleep_ms(uint64_t ms) { sleep_until(time_ns() + ms * kNsPerMs); }
inline uint64_t time_ms() { return time_ns() / kNsPerMs; }

}  // namespace godwit::guest
