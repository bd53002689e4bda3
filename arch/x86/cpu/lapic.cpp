#include "arch/x86/cpu/lapic.h"

#include "arch/x86/cpu/interrupts.h"
#include "arch/x86/cpu/intrinsics.h"
#include "kernel/time/clock.h"

namespace godwit::x86::lapic {

namespace {

constexpr uint32_t kMsrApicBase = 0x1B;
constexpr uint64_t kApicBaseEnable = 1u << 11;
// Register offsets (SDM Vol. 3A Table 12-1).
constexpr uint32_t kEoi = 0xB0;
constexpr uint32_t kSpuriousVector = 0xF0;
constexpr uint32_t kLvtTimer = 0x320;
constexpr uint32_t kTimerInitialCount = 0x380;
constexpr uint32_t kTimerCurrentCount = 0x390;
constexpr uint32_t kTimerDivide = 0x3E0;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtPeriodic = 1u << 17;
constexpr uint32_t kDivideBy16 = 0x3;

uint64_t base = 0;
uint32_t ticks_per_second = 0;

uint32_t read(uint32_t reg) { return mmio_read<uint32_t>(base + reg); }
void write(uint32_t reg, uint32_t value) { mmio_write<uint32_t>(base + reg, value); }

}  // namespace

void init() {
  uint64_t msr = rdmsr(kMsrApicBase);
  base = msr & 0xFFFFFF000ull;
  wrmsr(kMsrApicBase, msr | kApicBaseEnable);
  write(kSpuriousVector, 0x100 | kVectorSpurious);  // bit 8: APIC software enable
  write(kLvtTimer, kLvtMasked);
}

void start_periodic_timer(uint32_t hz) {
  // Count down from the maximum for 10 ms of TSC time to learn the timer's rate.
  write(kTimerDivide, kDivideBy16);
  write(kLvtTimer, kLvtMasked);
  write(kTimerInitialCount, 0xFFFFFFFF);
  clock::busy_wait_ns(10'000'000);
  uint64_t rate = uint64_t{0xFFFFFFFF - read(kTimerCurrentCount)} * 100;
  ticks_per_second = rate > 0xFFFFFFFF ? 0xFFFFFFFF : static_cast<uint32_t>(rate);
  write(kTimerInitialCount, 0);
  uint32_t period = hz == 0 ? 0 : ticks_per_second / hz;
  write(kLvtTimer, kLvtPeriodic | kVectorTimer);
  write(kTimerInitialCount, period == 0 ? 1 : period);
}

void end_of_interrupt() {
  if (base != 0) write(kEoi, 0);
}

}  // namespace godwit::x86::lapic
