// Monotonic time for the hypervisor: the TSC, calibrated once against the PIT at boot.
#pragma once

#include <cstdint>

#include "kernel/time/tsc_converter.h"
#include "lib/clock.h"

namespace godwit::clock {

struct Calibration {
  uint64_t tsc_hz;
  uint32_t window_ms;  // length of the PIT measurement
};

// Measures the TSC rate against the PIT and starts the clock at zero.
Calibration calibrate();

// Nanoseconds since calibrate(); 0 before it.
uint64_t now_ns();
inline uint64_t now_ms() { return now_ns() / 1'000'000; }
// now_ns() as a godwit::Clock, for pure code that takes one.
Clock& monotonic();
const TscConverter& converter();
void busy_wait_ns(uint64_t ns);

}  // namespace godwit::clock
