#include "kernel/migrate/nonce.h"

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/console/log.h"
#include "kernel/entropy/entropy_pool.h"
#include "kernel/entropy/hardware_random_check.h"

namespace godwit::migrate {

namespace {

constexpr uint32_t kLeaf1EcxRdrand = 1u << 30;  // SDM Vol. 2A, CPUID leaf 1
constexpr int kRdrandWords = 4;                 // 256 bits, the nonce's size
constexpr size_t kJitterSamples = 64;
constexpr size_t kJitterDistinctWanted = 8;

bool rdrand(uint64_t& value) {
  unsigned char ok = 0;
  asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
  return ok != 0;
}

// The CMOS real-time clock's seconds, minutes, hours, day, month and year registers
// (ports 0x70/0x71), raw: only their difference from one boot to the next matters.
void add_cmos_clock(entropy::EntropyPool& pool) {
  static constexpr uint8_t kRegisters[] = {0x00, 0x02, 0x04, 0x07, 0x08, 0x09};
  uint8_t clock[sizeof(kRegisters)];
  for (size_t i = 0; i < sizeof(kRegisters); ++i) {
    x86::outb(0x70, kRegisters[i]);
    clock[i] = x86::inb(0x71);
  }
  pool.add(entropy::Source::kCmosClock, clock);
}

}  // namespace

void fill_nonce(std::span<uint8_t> out) {
  // One pool and one RDRAND verdict for the whole boot: each nonce moves the pool on.
  static entropy::EntropyPool pool;
  static entropy::HardwareRandomCheck rdrand_check;
  static bool warned_predictable = false;

  pool.add_word(entropy::Source::kTsc, x86::rdtsc());
  add_cmos_clock(pool);
  bool have_rdrand = (x86::cpuid(1).ecx & kLeaf1EcxRdrand) != 0;
  if (have_rdrand && rdrand_check.healthy()) {
    for (int i = 0; i < kRdrandWords; ++i) {
      auto word = rdrand_check.next(rdrand);
      if (!word) {
        log::warn("nonce: RDRAND {}: not used again until reboot", entropy::describe(rdrand_check.fault()));
        break;
      }
      pool.add_word(entropy::Source::kRdrand, *word);
    }
  }
  uint64_t deltas[kJitterSamples];
  uint64_t last = x86::rdtsc();
  for (uint64_t& delta : deltas) {
    x86::pause();
    uint64_t now = x86::rdtsc();
    delta = now - last;
    last = now;
  }
  pool.add(entropy::Source::kTscJitter, std::span(reinterpret_cast<const uint8_t*>(deltas), sizeof(deltas)));
  bool jitter_poor = entropy::distinct_values(deltas, kJitterDistinctWanted) < kJitterDistinctWanted;
  bool rdrand_used = have_rdrand && rdrand_check.healthy();
  if (jitter_poor && !rdrand_used && !warned_predictable) {
    log::warn(
        "nonce: no working RDRAND and the TSC barely jitters: nonces are unique on this boot "
        "but may be predictable; the peer's nonce keeps the session keys fresh");
    warned_predictable = true;
  }
  pool.draw(out);
}

}  // namespace godwit::migrate
