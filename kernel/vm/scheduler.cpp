#include "kernel/vm/scheduler.h"

#include "kernel/time/clock.h"
#include "kernel/vm/exit_handler.h"
#include "kernel/vm/guests.h"

namespace godwit::vm {

namespace {

constinit size_t cursor = 0;  // where the round-robin search starts next time

void wake_due(uint64_t now) {
  for (Vm& vm : slots()) {
    if (vm.state == VmState::kBlocked && vm.wake_at_ns <= now) vm.state = VmState::kRunnable;
  }
}

Vm* pick() {
  auto all = slots();
  for (size_t i = 0; i < all.size(); ++i) {
    Vm& vm = all[(cursor + i) % all.size()];
    if (vm.state == VmState::kRunnable) {
      cursor = (cursor + i + 1) % all.size();
      return &vm;
    }
  }
  return nullptr;
}

void run_slice(Vm& vm) {
  uint64_t start = clock::now_ns();
  uint64_t now = start;
  while (vm.state == VmState::kRunnable && now - start < kTimeSliceNs) {
    x86::VmExit exit = vm.vcpu->run();
    bool go_on = handle_exit(vm, exit);
    now = clock::now_ns();
    if (!go_on) break;
  }
  vm.stats.cpu_ns += now - start;
}

// The guest_start line of an arrived guest, once it has run, or when it is stopped and
// will not run soon. A blocked one waits for its slice too: it wakes within its timer
// (end_guest writes the line of one that ends first).
void announce_arrivals(const Vm* ran) {
  for (Vm& vm : slots()) {
    if (vm.announce_pending && vm.live() && (&vm == ran || vm.state == VmState::kStopped)) {
      vm.announce_pending = false;
      announce_guest(vm, true);
    }
  }
}

}  // namespace

bool run_next_slice() {
  wake_due(clock::now_ns());
  Vm* vm = pick();
  if (vm != nullptr) run_slice(*vm);
  announce_arrivals(vm);
  return vm != nullptr;
}

uint64_t next_wake_ns() {
  uint64_t earliest = ~0ull;
  for (const Vm& vm : slots()) {
    if (vm.state == VmState::kBlocked && vm.wake_at_ns < earliest) earliest = vm.wake_at_ns;
  }
  return earliest;
}

}  // namespace godwit::vm
