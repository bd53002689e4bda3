// counter: prints "counter <n> t=<guest ms>" every period=<ms> (default 500), forever.
// n lives in guest RAM like everything else, so after a migration it simply continues;
// the deadlines are absolute guest times, so the rhythm survives a pause as well.
#include "guests/lib/console.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"

namespace {

uint64_t g_count = 0;

}  // namespace

int main() {
  using namespace godwit::guest;
  uint64_t period_ns = param_u64("period", 500, 1, 3'600'000) * kNsPerMs;
  uint64_t deadline = time_ns();
  for (;;) {
    ++g_count;
    println("counter {} t={}", g_count, time_ms());
    deadline += period_ns;
    uint64_t now = time_ns();
    if (deadline < now) deadline = now;  // after a long pause, do not print a burst
    sleep_until(deadline);
  }
}
