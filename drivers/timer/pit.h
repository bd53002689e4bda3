// The 8254 programmable interval timer, used once at boot as the known-frequency
// reference (1.193182 MHz) against which the TSC is calibrated.
#pragma once

#include <cstdint>

namespace godwit::pit {

inline constexpr uint32_t kFrequencyHz = 1'193'182;

// Busy-waits `ticks` PIT ticks (at most 65535) on channel 2 and returns the TSC
// cycles that passed.
uint64_t measure_tsc_cycles(uint16_t ticks);

}  // namespace godwit::pit
