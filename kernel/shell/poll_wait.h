// Waiting for the network from inside a shell command: one main-loop iteration at a
// time (kernel/loop/main_loop.h), so the network, migrations in progress and the guests
// all keep running while ping or tcpbench waits.
#pragma once

#include <cstdint>

#include "kernel/loop/main_loop.h"
#include "kernel/time/clock.h"

namespace godwit::shell {

template <class Done>
bool wait_for(Done done, uint64_t deadline_ns) {
  while (!done()) {
    if (clock::now_ns() >= deadline_ns) return false;
    main_loop::run_once();
  }
  return true;
}

}  // namespace godwit::shell
