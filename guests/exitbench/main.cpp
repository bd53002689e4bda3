// exitbench: the costs a pre-copy migration is made of, measured from inside a guest
// with guest time (= the hypervisor's clock; under Bochs an emulated one).
//   rounds=<n> (default 5)  hypercall_ms=<ms> (default 200)  region=<size> (default 16M)
//   pages=<K> (default 128)  period=<ms> (default 200)
// Phase 1: `rounds` times, kTimeNs hypercalls back to back for hypercall_ms, a line per
// round (the spread shows how much a busy host disturbs them); kTimeNs is the cheapest
// exit there is (no arguments, no memory access), so its round trip is the fixed cost
// of any VM exit on this backend. The clock is read by those same calls, so timing
// adds no exits of its own.
// Phase 2, forever: every `period`, one byte is written to each of the next K pages of
// the region (round robin), and the pass is timed and printed. A write is an ordinary
// store until the host write-protects RAM (`dirtylog`); then the first write to each
// page in that session is a write-protect fault round trip. The guest cannot see when
// tracking is on, so tools/godwitlib/bench_exits.py tells tracked passes from the rest
// by when they were printed, and takes the difference of their medians over K. The
// region holds region/K passes, more than one tracking session lasts, so every pass
// during a session writes pages it has not written yet in that session.
#include "guests/lib/console.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"

namespace {

using namespace godwit::guest;

constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kBatch = 1000;  // hypercalls between two checks of the deadline

void measure_hypercalls(uint64_t duration_ns) {
  uint64_t first = time_ns();
  uint64_t last = first;
  uint64_t calls = 0;  // round trips between the return of `first` and that of `last`
  while (last - first < duration_ns) {
    for (uint64_t n = 0; n < kBatch; ++n) last = time_ns();
    calls += kBatch;
  }
  uint64_t ns = last - first;
  uint64_t per_exit = ns / calls;
  println("exitbench: hypercalls n={} ns={} per_exit_ns={} exits_per_s={}", calls, ns, per_exit,
          ns == 0 ? 0 : calls * 1'000'000'000 / ns);
}

volatile uint8_t* place_region(uint64_t bytes) {
  const auto& info = boot_info();
  uint64_t free_bytes = info.memory_bytes - info.free_start;
  if (bytes > free_bytes) {
    println("exitbench: region of {} bytes does not fit in {} free bytes", bytes, free_bytes);
    exit(kExitBadParameter);
  }
  return reinterpret_cast<volatile uint8_t*>(info.free_start);
}

[[noreturn]] void measure_faults(volatile uint8_t* region, uint64_t pages, uint64_t per_pass,
                                 uint64_t period_ns) {
  // Touch every page once first, so that no pass pays for a first touch of any kind.
  for (uint64_t page = 0; page < pages; ++page) region[page * kPageBytes] = 1;
  println("exitbench: faults region={:#x} pages={} per_pass={} period_ms={}",
          reinterpret_cast<uint64_t>(region), pages, per_pass, period_ns / kNsPerMs);
  uint64_t cursor = 0;
  for (uint64_t pass = 1;; ++pass) {
    sleep_until(time_ns() + period_ns);
    uint64_t start = time_ns();
    for (uint64_t n = 0; n < per_pass; ++n) {
      region[cursor * kPageBytes] = static_cast<uint8_t>(pass);
      cursor = cursor + 1 == pages ? 0 : cursor + 1;
    }
    uint64_t ns = time_ns() - start;
    println("exitbench: pass {} pages={} ns={}", pass, per_pass, ns);
  }
}

}  // namespace

int main() {
  uint64_t rounds = param_u64("rounds", 5, 1, 100);
  uint64_t hypercall_ms = param_u64("hypercall_ms", 200, 1, 600'000);
  uint64_t region_bytes = param_size("region", 16 << 20, kPageBytes, godwit::abi::kMaxMemory);
  uint64_t pages = region_bytes / kPageBytes;
  uint64_t per_pass = param_u64("pages", 128, 1, pages);
  uint64_t period_ms = param_u64("period", 200, 1, 3'600'000);
  volatile uint8_t* region = place_region(pages * kPageBytes);
  for (uint64_t round = 0; round < rounds; ++round) measure_hypercalls(hypercall_ms * kNsPerMs);
  measure_faults(region, pages, per_pass, period_ms * kNsPerMs);
}
