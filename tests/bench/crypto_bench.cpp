// godwit_crypto_bench [MiB] [rounds]: the host-side figures of `tools/godwit bench crypto`.
// Runs kernel/shell/crypto_bench.h's record protection modes over MiB of 4 KiB page
// records, `rounds` times each (the best round counts: the machine is shared), and
// prints one JSON object per mode: mode, bytes, best ns, MiB/s, TSC ticks per byte.
#include <x86intrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "kernel/shell/crypto_bench.h"

int main(int argc, char** argv) {
  using namespace godwit::shell::bench;
  uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (mib == 0 || mib > 4096 || rounds <= 0) {
    std::fprintf(stderr, "usage: godwit_crypto_bench [MiB 1..4096] [rounds]\n");
    return 2;
  }
  std::vector<uint8_t> page(kBenchPageSize);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 31 + 7);
  uint64_t pages = mib * 1024 * 1024 / kBenchPageSize;
  uint64_t bytes = pages * kBenchPageSize;
  for (RecordMode mode : kRecordModes) {
    uint64_t best_ns = ~uint64_t{0}, best_tsc = 0, folded = 0;
    for (int round = 0; round < rounds; ++round) {
      auto started = std::chrono::steady_clock::now();
      uint64_t started_tsc = __rdtsc();
      folded ^= protect_pages(mode, page, pages);
      uint64_t tsc = __rdtsc() - started_tsc;
      uint64_t ns = static_cast<uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started)
              .count());
      if (ns < best_ns) {
        best_ns = ns;
        best_tsc = tsc;
      }
    }
    uint64_t rate = milli_mib_per_s(bytes, best_ns);
    std::printf(
        "{\"mode\": \"%s\", \"bytes\": %llu, \"rounds\": %d, \"ns\": %llu, \"mib_s\": %llu.%03llu, "
        "\"tsc_per_byte\": %.3f, \"result\": %llu}\n",
        name(mode), static_cast<unsigned long long>(bytes), rounds, static_cast<unsigned long long>(best_ns),
        static_cast<unsigned long long>(rate / 1000), static_cast<unsigned long long>(rate % 1000),
        static_cast<double>(best_tsc) / static_cast<double>(bytes),
        static_cast<unsigned long long>(folded & 0xffff));
  }
  return 0;
}
