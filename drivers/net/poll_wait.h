// Waiting for the network from inside a shell command: the command's own loop calls
// net::poll() (the idle loop is not running meanwhile) and halts until the next 1 kHz
// tick when nothing moved, so an emulator's I/O thread gets the host CPU.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/intrinsics.h"
#include "drivers/net/net.h"
#include "kernel/time/clock.h"

namespace godwit::net {

template <class Done>
bool wait_for(Done done, uint64_t deadline_ns) {
  while (!done()) {
    if (clock::now_ns() >= deadline_ns) return false;
    if (!poll()) x86::wait_for_interrupt();
  }
  return true;
}

}  // namespace godwit::net
