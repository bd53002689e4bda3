// dirtier: dirties a working set of guest RAM at a chosen rate and keeps verifying it,
// so that a migration which loses a page write is caught (see pattern.h for how).
//   wss=<bytes, K/M suffix> (default 4M)  rate=<pages/s, 0 = flat out> (default 1000)
//   report=<ms> (default 1000)
// Layout above the image (free_start): the generation table, then the working set.
#include "guests/dirtier/pacer.h"
#include "guests/dirtier/working_set.h"
#include "guests/lib/console.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"

namespace {

using namespace godwit::guest;
using namespace godwit::guest::dirtier;

constexpr int kExitCorrupt = 3;
constexpr uint64_t kBatch = 64;             // most writes or checks between two clock reads
constexpr uint64_t kQuantumNs = 4'000'000;  // shortest sleep: batches, not an exit per page

// Everything, counters included, lives in guest RAM (its stack and the region above
// the image), so it all migrates with the guest.
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

void stop_if_corrupt(const WorkingSet& ws, const Corruption& c) {
  if (!c.found) return;
  uint64_t gpa = ws.base() + c.page * kPageBytes;
  if (c.words.any()) {
    println("dirtier: CORRUPT page {} at {:#x}: word {} is {:#x}, expected {:#x} (generation {}, writes={})",
            c.page, gpa, c.words.word, c.words.found, c.words.expected, c.expected_generation, ws.writes());
  } else {
    println("dirtier: CORRUPT page {} at {:#x}: generation table says {}, {} writes imply {}", c.page, gpa,
            c.table_generation, ws.writes(), c.expected_generation);
  }
  exit(kExitCorrupt);
}

void report(const WorkingSet& ws) {
  println("dirtier: ok writes={} verified={} pass={}", ws.writes(), ws.verified(), ws.passes());
}

// rate > 0: writes paced at `rate`, checks at least as fast and at least one whole pass
// per report period, sleeping in between. rate == 0: alternate batches flat out.
[[noreturn]] void run(WorkingSet& ws, uint64_t rate, uint64_t report_ns) {
  uint64_t now = time_ns();
  uint64_t pass_rate = ws.pages() * 1'000'000'000 / report_ns + 1;
  uint64_t check_rate = rate > pass_rate ? rate : pass_rate;
  if (check_rate > Pacer::kMaxRate) check_rate = Pacer::kMaxRate;
  Pacer writes(rate == 0 ? 1 : rate, now), checks(check_rate, now);
  uint64_t next_report = now + report_ns;
  for (;;) {
    writes.drop_backlog(now, ws.writes());
    checks.drop_backlog(now, ws.checks());
    uint64_t write_due = rate == 0 ? ws.writes() + kBatch : writes.due(now);
    uint64_t check_due = rate == 0 ? ws.checks() + kBatch : checks.due(now);
    for (uint64_t n = 0; n < kBatch && ws.writes() < write_due; ++n) stop_if_corrupt(ws, ws.write_next());
    for (uint64_t n = 0; n < kBatch && ws.checks() < check_due; ++n) stop_if_corrupt(ws, ws.check_next());
    now = time_ns();
    if (now >= next_report) {
      report(ws);
      next_report = now + report_ns;
    }
    if (rate == 0) continue;
    uint64_t wake = writes.time_of(ws.writes() + 1);
    uint64_t next_check = checks.time_of(ws.checks() + 1);
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
  println("dirtier: working set {} pages at {:#x} (rate={} report={}ms)", ws.pages(), ws.base(), rate,
          report_ms);
  ws.initialize();
  run(ws, rate, report_ms * kNsPerMs);
}
