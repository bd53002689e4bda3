#include "drivers/timer/pit.h"

#include "arch/x86/cpu/intrinsics.h"

namespace godwit::pit {

namespace {
constexpr uint16_t kChannel2Data = 0x42;
constexpr uint16_t kCommand = 0x43;
constexpr uint16_t kSpeakerPort = 0x61;  // bit 0: channel 2 gate, bit 5: channel 2 output
}  // namespace

uint64_t measure_tsc_cycles(uint16_t ticks) {
  using namespace x86;
  uint8_t speaker = inb(kSpeakerPort);
  outb(kSpeakerPort, static_cast<uint8_t>((speaker & 0xFC) | 0x01));  // gate on, speaker off
  outb(kCommand, 0xB0);  // channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count)
  outb(kChannel2Data, static_cast<uint8_t>(ticks));
  outb(kChannel2Data, static_cast<uint8_t>(ticks >> 8));
  // Writing the count restarts mode 0; the output goes high at terminal count.
  uint64_t start = rdtsc();
  while ((inb(kSpeakerPort) & 0x20) == 0) {
  }
  uint64_t cycles = rdtsc() - start;
  outb(kSpeakerPort, speaker);
  return cycles;
}

}  // namespace godwit::pit
