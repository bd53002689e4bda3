// What lwIP needs from the guest (lwip/arch/cc.h and sys_now): guest time in
// milliseconds, some randomness for TCP's initial sequence numbers and ports, a line for
// diagnostics, and an end for a broken assertion.
#include <cstdint>

#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

namespace {
constexpr int kExitLwipAssertion = 4;  // an internal error of the runtime (guests/README.md)
}  // namespace

extern "C" {

uint32_t sys_now() { return static_cast<uint32_t>(godwit::guest::time_ns() / 1'000'000); }

// The TSC's low bits, scrambled (a 32-bit finalizer from MurmurHash3), as the hypervisor does.
uint32_t godwit_lwip_random() {
  uint32_t low, high;
  asm volatile("rdtsc" : "=a"(low), "=d"(high));
  uint32_t h = low ^ high;
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  return h ^ (h >> 16);
}

// The format string alone: the guest runtime has no printf, and diagnostics are rare.
void godwit_lwip_diag(const char* format, ...) { godwit::guest::println("lwip: {}", format); }

void godwit_lwip_assert(const char* message, const char* file, int line) {
  godwit::guest::println("lwip: assertion failed: {} ({}:{})", message, file, line);
  godwit::guest::exit(kExitLwipAssertion);
}

}  // extern "C"
