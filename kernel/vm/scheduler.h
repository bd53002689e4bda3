// Round-robin time sharing of the one physical CPU among runnable guests. A guest runs
// until it yields, blocks or ends, or until its slice is used up; the host's 1 kHz timer
// interrupt forces an exit at least every millisecond, which is where the slice is
// checked, so a guest that never yields still cannot keep the CPU.
#pragma once

#include <cstdint>

namespace godwit::vm {

inline constexpr uint64_t kTimeSliceNs = 10'000'000;

// Wakes blocked guests whose time has come and runs the next runnable guest for up to
// one slice. Returns false when no guest was runnable (the caller may halt until the
// next interrupt).
bool run_next_slice();

// The earliest host time at which a blocked guest wakes (~0 when none is blocked).
uint64_t next_wake_ns();

}  // namespace godwit::vm
