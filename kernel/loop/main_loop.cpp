#include "kernel/loop/main_loop.h"

#include <cstddef>

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/panic.h"
#include "kernel/time/clock.h"

namespace godwit::main_loop {

namespace {
constexpr size_t kMaxPollers = 8;
constinit Poller pollers[kMaxPollers] = {};
constinit size_t poller_count = 0;
}  // namespace

void add_poller(Poller poller) {
  if (poller_count == kMaxPollers) panic("too many main-loop pollers");
  pollers[poller_count++] = poller;
}

uint64_t now_ns() { return clock::now_ns(); }

void run_once(bool caller_busy) {
  bool busy = caller_busy;
  for (size_t i = 0; i < poller_count; ++i) busy |= pollers[i]();
  if (!busy) x86::wait_for_interrupt();
}

}  // namespace godwit::main_loop
