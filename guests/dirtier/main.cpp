// dirtier: dirties a working set of guest RAM at a chosen rate and keeps verifying it,
// so that a migration which loses a page write is caught (see pattern.h for how).
//   wss=<bytes, K/M suffix> (default 4M)  rate=<pages/s, 0 = flat out> (default 1000)
//   report=<ms> (default 1000)
// Layout above the image (free_start): the generation table, then the working set.
#include "guests/dirtier/pacer.h"
#include "guests/dirtier/pattern.h"
#include "guests/lib/console.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"

namespace {

using namespace godwit::guest;
using namespace godwit::guest::dirtier;

constexpr int kExitCorrupt = 3;
constexpr uint64_t kBatch = 64;             // most writes or checks between two clock reads
constexpr uint64_t kQuantumNs = 4'000'000;  // shortest sleep: batches, not an exit per page

struct WorkingSet {
  volatile uint64_t* table;  // generation of each page
  uint64_t base;             // guest-physical address of page 0
  uint64_t pages;
  volatile uint64_t* page(uint64_t i) const {
    return reinterpret_cast<volatile uint64_t*>(base + i * kPageBytes);
  }
};

// Counters live in guest RAM (.bss) like the working set: they migrate with it.
struct Progress {
  uint64_t writes = 0;
  uint64_t verified = 0;  // pages checked, by the writer and the checker
  uint64_t checks = 0;    // pages checked by the checker
  uint64_t check_cursor = 0;
  uint64_t passes = 0;  // whole sweeps of the checker
};
Progress g_progress;

WorkingSet place_working_set(uint64_t wss) {
  const auto& info = boot_info();
  uint64_t pages = (wss + kPageBytes - 1) / kPageBytes;
  uint64_t table_bytes = (pages * 8 + kPageBytes - 1) / kPageBytes * kPageBytes;
  uint64_t free_bytes = info.memory_bytes - info.free_start;
  if (table_bytes + pages * kPageBytes > free_bytes) {
    println("dirtier: working set of {} pages does not fit in {} free bytes", pages, free_bytes);
    exit(kExitBadParameter);
  }
  return {reinterpret_cast<volatile uint64_t*>(info.free_start), info.free_start + table_bytes, pages};
}

[[noreturn]] void corrupt(const WorkingSet& ws, uint64_t i, uint64_t expected_gen, const Mismatch& m) {
  println(
      "dirtier: CORRUPT page {} at {:#x}: word {} is {:#x}, expected {:#x} (table generation {}, "
      "expected generation {}, writes={})",
      i, ws.base + i * kPageBytes, m.word, m.found, m.expected, ws.table[i], expected_gen, g_progress.writes);
  exit(kExitCorrupt);
}

// Checks page i against the table and the table against the write count.
void verify(const WorkingSet& ws, uint64_t i) {
  uint64_t expected = expected_generation(i, ws.pages, g_progress.writes);
  uint64_t in_table = ws.table[i];
  if (in_table != expected) {
    println("dirtier: CORRUPT page {} at {:#x}: generation table says {}, {} writes imply {}", i,
            ws.base + i * kPageBytes, in_table, g_progress.writes, expected);
    exit(kExitCorrupt);
  }
  Mismatch m = check_page(ws.page(i), i, expected);
  if (m.any()) corrupt(ws, i, expected, m);
  ++g_progress.verified;
}

// Every page is verified right before it is rewritten, so a page that went stale is
// caught at the latest when the writer comes round to it (a rewrite would hide it).
void write_next(const WorkingSet& ws) {
  uint64_t i = g_progress.writes % ws.pages;
  verify(ws, i);
  uint64_t generation = ws.table[i] + 1;
  fill_page(ws.page(i), i, generation);
  ws.table[i] = generation;
  ++g_progress.writes;
}

// The separate checker sweeps the whole set (from the half opposite the writer) at its
// own pace, so a stale page is usually found well before the writer reaches it.
void check_next(const WorkingSet& ws) {
  verify(ws, g_progress.check_cursor);
  ++g_progress.checks;
  if (++g_progress.check_cursor == ws.pages) {
    g_progress.check_cursor = 0;
    ++g_progress.passes;
  }
}

void report() {
  println("dirtier: ok writes={} verified={} pass={}", g_progress.writes, g_progress.verified,
          g_progress.passes);
}

// rate > 0: writes paced at `rate`, checks at least as fast and at least one whole pass
// per report period, sleeping in between. rate == 0: alternate batches flat out.
[[noreturn]] void run(const WorkingSet& ws, uint64_t rate, uint64_t report_ns) {
  uint64_t now = time_ns();
  uint64_t pass_rate = ws.pages * 1'000'000'000 / report_ns + 1;
  uint64_t check_rate = rate > pass_rate ? rate : pass_rate;
  if (check_rate > Pacer::kMaxRate) check_rate = Pacer::kMaxRate;
  Pacer writes(rate == 0 ? 1 : rate, now), checks(check_rate, now);
  uint64_t next_report = now + report_ns;
  for (;;) {
    writes.drop_backlog(now, g_progress.writes);
    checks.drop_backlog(now, g_progress.checks);
    uint64_t write_due = rate == 0 ? g_progress.writes + kBatch : writes.due(now);
    uint64_t check_due = rate == 0 ? g_progress.checks + kBatch : checks.due(now);
    for (uint64_t n = 0; n < kBatch && g_progress.writes < write_due; ++n) write_next(ws);
    for (uint64_t n = 0; n < kBatch && g_progress.checks < check_due; ++n) check_next(ws);
    now = time_ns();
    if (now >= next_report) {
      report();
      next_report = now + report_ns;
    }
    if (rate == 0) continue;
    uint64_t wake = writes.time_of(g_progress.writes + 1);
    uint64_t next_check = checks.time_of(g_progress.checks + 1);
    if (next_check < wake) wake = next_check;
    if (next_report < wake) wake = next_report;
    if (wake > now) {
      sleep_until(wake > now + kQuantumNs ? wake : now + kQuantumNs);
      now = time_ns();
    }
  }
}

}  // namespace

int main() {
  uint64_t wss = param_size("wss", 4 << 20, kPageBytes, godwit::abi::kMaxMemory);
  uint64_t rate = param_u64("rate", 1000, 0, Pacer::kMaxRate);
  uint64_t report_ms = param_u64("report", 1000, 10, 3'600'000);
  WorkingSet ws = place_working_set(wss);
  println("dirtier: working set {} pages at {:#x} (rate={} report={}ms)", ws.pages, ws.base, rate, report_ms);
  for (uint64_t i = 0; i < ws.pages; ++i) {
    fill_page(ws.page(i), i, 0);
    ws.table[i] = 0;
  }
  g_progress.check_cursor = ws.pages / 2;
  run(ws, rate, report_ms * kNsPerMs);
}
