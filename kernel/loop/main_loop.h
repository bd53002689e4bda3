// The hypervisor's one loop: each iteration calls every registered poller (the network
// stack, migrations in progress, and last the guests' scheduler, which runs one time
// slice) and, when none of them had anything to do, halts until the next interrupt.
// main() registers them; the loop itself knows none of the layers it drives. The shell's
// idle loop runs it, and so does any shell command that has to wait (ping, dirtylog,
// migrate), so guests and the network keep running while a command waits.
#pragma once

#include <cstdint>

namespace godwit::main_loop {

// Returns true when it did some work (then the loop does not halt this time round).
using Poller = bool (*)();

// Registers a service polled once per loop iteration (at most kMaxPollers).
void add_poller(Poller poller);

// One iteration: call every poller in the order registered, and halt until the next
// interrupt only when none found anything to do (NICs are polled, so halting while
// frames flow would add up to a tick of latency to every one).
// `caller_busy`: the caller itself made progress (e.g. queued bytes to send), so the
// loop must not halt this time either.
void run_once(bool caller_busy = false);

// Runs iterations until `done()` is true or `timeout_ns` passed; returns done().
template <class Done>
bool run_until(Done&& done, uint64_t timeout_ns);

uint64_t now_ns();

}  // namespace godwit::main_loop

namespace godwit::main_loop {

template <class Done>
bool run_until(Done&& done, uint64_t timeout_ns) {
  uint64_t start = now_ns();
  while (!done()) {
    if (now_ns() - start >= timeout_ns) return done();
    run_once();
  }
  return true;
}

}  // namespace godwit::main_loop
