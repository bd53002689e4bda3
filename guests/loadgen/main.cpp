// loadgen: a CPU load and a page-dirtying load, as the seed paper's generator (issue 17).
// Time runs in periods (schedule.h); each writes `pages` pages of its working set, then
// does floating-point work (fp_work.h, SSE) until `load` percent of the period has
// passed, then sleeps. With net= it serves the echo protocol too.
//   load=<0..100> (default 50)  pages=<per period> (default 0)  wss=<bytes> (default 1M)
//   period=<ms> (default 100)  idle_after=<s> (default 0 = never)  report=<ms> (1000)
//   checkpoint=<blocks> (default 1000)  net=A.B.C.D/P
#include "guests/lib/console.h"
#include "guests/lib/echo_service.h"
#include "guests/lib/guest_netif.h"
#include "guests/lib/ipv4_text.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"
#include "guests/loadgen/fp_work.h"
#include "guests/loadgen/schedule.h"

namespace {

using namespace godwit::guest;
using namespace godwit::guest::loadgen;

constexpr int kExitFpMismatch = 3;
constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kRecheckEvery = 16;  // every 16th block is computed twice and compared

// All of it in guest RAM (a global), so it migrates with the guest.
struct Progress {
  uint64_t periods = 0, blocks = 0, pages_written = 0;
  uint64_t digest = kDigestStart;
  uint64_t cursor = 0;  // the next page of the working set to write
};

constinit Progress g_progress{};
constinit VirtioMmioNet g_nic;
constinit bool g_net = false;

struct WorkingSet {
  volatile uint64_t* base;
  uint64_t pages;
};

WorkingSet place_working_set(uint64_t wss) {
  const auto& info = boot_info();
  uint64_t pages = (wss + kPageBytes - 1) / kPageBytes;
  uint64_t free_bytes = info.memory_bytes - info.free_start;
  if (pages * kPageBytes > free_bytes) {
    println("loadgen: working set of {} pages does not fit in {} free bytes", pages, free_bytes);
    exit(kExitBadParameter);
  }
  return {reinterpret_cast<volatile uint64_t*>(info.free_start), pages};
}

// One word per page is enough to dirty it; round-robin, so `pages` per period spread
// over the whole working set and a second's writes hit distinct pages while
// pages/s <= working-set pages.
void write_pages(const WorkingSet& ws, uint64_t count) {
  for (uint64_t n = 0; n < count; ++n) {
    ws.base[g_progress.cursor * (kPageBytes / 8)] = g_progress.periods;
    g_progress.cursor = g_progress.cursor + 1 == ws.pages ? 0 : g_progress.cursor + 1;
  }
  g_progress.pages_written += count;
}

void one_block(uint64_t checkpoint) {
  uint64_t k = g_progress.blocks;
  uint64_t result = fp_block(k);
  if (k % kRecheckEvery == 0) {
    if (uint64_t again = fp_block(k); again != result) {
      println("loadgen: FP MISMATCH block {}: {:#x} then {:#x}", k, result, again);
      exit(kExitFpMismatch);
    }
  }
  g_progress.digest = digest_step(g_progress.digest, result);
  g_progress.blocks = k + 1;
  if (g_progress.blocks % checkpoint == 0) {
    println("loadgen: fp blocks={} digest={:#x}", g_progress.blocks, g_progress.digest);
  }
}

void poll_net() {
  if (g_net) (void)net_poll();
}

void report(const Schedule& schedule, const Period& p) {
  println("loadgen: ok periods={} blocks={} pages_written={} rate={} idle={} digest={:#x}",
          g_progress.periods, g_progress.blocks, g_progress.pages_written,
          p.idle ? 0 : schedule.pages_per_second(), p.idle ? 1 : 0, g_progress.digest);
}

[[noreturn]] void run(const Schedule& schedule, const WorkingSet& ws, uint64_t checkpoint,
                      uint64_t report_ns) {
  uint64_t now = time_ns();
  uint64_t next_report = now + report_ns;
  bool said_idle = false;
  for (;;) {
    Period p = schedule.at(now);
    if (p.idle && !said_idle) {
      println("loadgen: idle now (no load, no page writes)");
      said_idle = true;
    }
    write_pages(ws, p.pages);
    ++g_progress.periods;
    while (now < p.busy_until_ns) {
      one_block(checkpoint);
      poll_net();
      now = time_ns();
    }
    while (now < p.end_ns) {
      poll_net();
      uint64_t wake = g_net && now + kNsPerMs < p.end_ns ? now + kNsPerMs : p.end_ns;
      (void)block_until(wake);
      now = time_ns();
    }
    if (now >= next_report) {
      report(schedule, p);
      next_report = now + report_ns;
    }
  }
}

}  // namespace

int main() {
  LoadConfig config;
  config.load_percent = static_cast<uint32_t>(param_u64("load", 50, 0, 100));
  config.period_ns = param_u64("period", 100, 10, 60'000) * kNsPerMs;
  config.pages = param_u64("pages", 0, 0, 1'000'000);
  config.idle_after_ns = param_u64("idle_after", 0, 0, 86'400) * 1'000'000'000;
  uint64_t wss = param_size("wss", 1 << 20, kPageBytes, godwit::abi::kMaxMemory);
  uint64_t report_ms = param_u64("report", 1000, 10, 3'600'000);
  uint64_t checkpoint = param_u64("checkpoint", 1000, 1, 1'000'000'000);
  std::string_view net_text = param_text("net", "");
  WorkingSet ws = place_working_set(wss);
  if (!net_text.empty()) {
    uint8_t address[4];
    uint8_t prefix = 0;
    if (!parse_ipv4_prefix_text(net_text, address, prefix)) {
      println("guest: bad parameter net={} (an address and prefix such as 10.0.0.21/24)", net_text);
      return kExitBadParameter;
    }
    if (!g_nic.start() || !net_start(g_nic, address, prefix) || !echo_serve()) return 1;
    g_net = true;
    println("loadgen: serving echo on udp/7 and tcp/7 as {}", net_text);
  }
  Schedule schedule(config, time_ns());
  println("loadgen: load={}% period={}ms pages={} wss={} pages rate={} pages/s idle_after={}s",
          config.load_percent, config.period_ns / kNsPerMs, config.pages, ws.pages,
          schedule.pages_per_second(), config.idle_after_ns / 1'000'000'000);
  run(schedule, ws, checkpoint, report_ms * kNsPerMs);
}
