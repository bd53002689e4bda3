#include "kernel/time/clock.h"

#include "arch/x86/cpu/intrinsics.h"
#include "drivers/timer/pit.h"

namespace godwit::clock {

namespace {
constinit TscConverter tsc;
uint64_t tsc_at_zero = 0;
constexpr uint32_t kWindowMs = 20;
}  // namespace

Calibration calibrate() {
  constexpr uint16_t kTicks = pit::kFrequencyHz * kWindowMs / 1000;
  uint64_t cycles = pit::measure_tsc_cycles(kTicks);
  uint64_t hz = cycles * pit::kFrequencyHz / kTicks;
  tsc = TscConverter(hz);
  tsc_at_zero = x86::rdtsc();
  return {hz, kWindowMs};
}

uint64_t now_ns() {
  if (tsc.hz() == 0) return 0;
  return tsc.to_ns(x86::rdtsc() - tsc_at_zero);
}

Clock& monotonic() {
  struct Monotonic final : Clock {
    uint64_t now_ns() override { return clock::now_ns(); }
  };
  static constinit Monotonic clock;
  return clock;
}

const TscConverter& converter() { return tsc; }

void busy_wait_ns(uint64_t ns) {
  uint64_t end = x86::rdtsc() + tsc.to_cycles(ns);
  while (x86::rdtsc() < end) x86::pause();
}

}  // namespace godwit::clock
