#include "kernel/time/tsc_converter.h"

namespace godwit {

namespace {
constexpr uint64_t kNsPerSecond = 1'000'000'000;

uint64_t mul_shift32(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 32);
}
}  // namespace

TscConverter::TscConverter(uint64_t hz) : hz_(hz) {
  if (hz == 0) return;
  // 1e9 * 2^32 fits in 64 bits (4.3e18 < 1.8e19).
  ns_per_cycle_32 = (kNsPerSecond << 32) / hz;
  // kHz first so the shift stays in 64 bits for any TSC below 4 THz (error < 1e-6).
  cycles_per_ns_32 = ((hz / 1000) << 32) / (kNsPerSecond / 1000);
}

uint64_t TscConverter::to_ns(uint64_t cycles) const { return mul_shift32(cycles, ns_per_cycle_32); }

uint64_t TscConverter::to_cycles(uint64_t ns) const { return mul_shift32(ns, cycles_per_ns_32); }

}  // namespace godwit
