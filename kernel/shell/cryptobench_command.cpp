// `cryptobench [MiB] [rounds]`: what each record protection mode costs this node's CPU,
// in the hypervisor itself (freestanding build, no SSE; under QEMU TCG or Bochs, the
// emulated CPU), over MiB of 4 KiB page records per mode (kernel/shell/crypto_bench.h).
// Each mode runs `rounds` times and the fastest counts: an emulator shares the host's
// CPUs, so a busy host slows single rounds. Prints a line per mode and an
// `@event cryptobench` per mode for tools/godwit bench crypto.
#include "arch/x86/cpu/intrinsics.h"
#include "kernel/console/event.h"
#include "kernel/machine.h"
#include "kernel/shell/crypto_bench.h"
#include "kernel/shell/system_commands.h"
#include "kernel/time/clock.h"
#include "lib/parse.h"

namespace godwit::shell {

namespace {

constexpr uint64_t kDefaultMib = 4;
constexpr uint64_t kMaxMib = 1024;
constexpr uint64_t kDefaultRounds = 3;
constexpr uint64_t kMaxRounds = 20;

alignas(64) uint8_t g_page[bench::kBenchPageSize];

}  // namespace

void command_cryptobench(Sink& out, ShellArgs args) {
  uint64_t mib = kDefaultMib, rounds = kDefaultRounds;
  if (args.size() >= 2) {
    auto parsed = parse_u64(args[1]);
    if (!parsed || *parsed == 0 || *parsed > kMaxMib) {
      format(out, "cryptobench: MiB must be 1..{}\n", kMaxMib);
      return;
    }
    mib = *parsed;
  }
  if (args.size() == 3) {
    auto parsed = parse_u64(args[2]);
    if (!parsed || *parsed == 0 || *parsed > kMaxRounds) {
      format(out, "cryptobench: rounds must be 1..{}\n", kMaxRounds);
      return;
    }
    rounds = *parsed;
  }
  for (size_t i = 0; i < sizeof(g_page); ++i) g_page[i] = static_cast<uint8_t>(i * 31 + 7);
  uint64_t pages = mib * 1024 * 1024 / bench::kBenchPageSize;
  uint64_t bytes = pages * bench::kBenchPageSize;
  for (bench::RecordMode mode : bench::kRecordModes) {
    uint64_t ns = ~uint64_t{0}, tsc = 0, folded = 0;
    for (uint64_t round = 0; round < rounds; ++round) {
      uint64_t started_ns = clock::now_ns();
      uint64_t started_tsc = x86::rdtsc();
      folded ^= bench::protect_pages(mode, g_page, pages);
      uint64_t round_tsc = x86::rdtsc() - started_tsc;
      uint64_t round_ns = clock::now_ns() - started_ns;
      if (round_ns < ns) {
        ns = round_ns;
        tsc = round_tsc;
      }
    }
    uint64_t rate = bench::milli_mib_per_s(bytes, ns);
    uint64_t milli_tsc_per_byte = tsc * 1000 / bytes;
    format(out,
           "cryptobench {}: {} MiB in {}.{:03} s: {}.{:03} MiB/s, {}.{:03} TSC ticks/byte (result {:#x})\n",
           bench::name(mode), mib, ns / 1'000'000'000, ns / 1'000'000 % 1000, rate / 1000, rate % 1000,
           milli_tsc_per_byte / 1000, milli_tsc_per_byte % 1000, folded & 0xffff);
    Event event("cryptobench");
    event->field("mode", bench::name(mode))
        .field("bytes", bytes)
        .field("rounds", rounds)
        .field("ms", ns / 1'000'000);
    event->fixed("mib_s", static_cast<int64_t>(rate), 3);
    event->fixed("tsc_per_byte", static_cast<int64_t>(milli_tsc_per_byte), 3);
  }
}

}  // namespace godwit::shell
