#include "kernel/vm/hypercalls.h"

#include "godwit/abi.h"
#include "kernel/console/console.h"
#include "kernel/time/clock.h"
#include "kernel/vm/absent_pages.h"
#include "kernel/vm/guests.h"
#include "kernel/vm/hypercall_decode.h"

namespace godwit::vm {

namespace {

using abi::Hypercall;
using abi::Status;

constinit SelfMigrationHandler self_migration = nullptr;

void set_result(Vm& vm, const x86::VmExit& exit, uint64_t value) {
  vm.vcpu->registers().gpr[x86::kRax] = value;
  vm.vcpu->skip_instruction(exit);
}

void set_status(Vm& vm, const x86::VmExit& exit, Status status) {
  set_result(vm, exit, static_cast<uint64_t>(static_cast<int64_t>(status)));
}

void console_write(Vm& vm, const HypercallRequest& request) {
  uint8_t buffer[abi::kMaxConsoleWrite];
  std::span<uint8_t> text(buffer, request.length);
  // Cannot fail: decode_hypercall checked the range against this guest's RAM.
  (void)copy_from_guest(vm.memory, request.gpa, text);
  FixedString<40> prefix;
  vm.console_prefix(prefix);
  vm.console.write(console::line_sink(), prefix.view(), text);
}

}  // namespace

void set_self_migration_handler(SelfMigrationHandler handler) { self_migration = handler; }

bool handle_hypercall(Vm& vm, const x86::VmExit& exit) {
  HypercallRequest request;
  Status status = decode_hypercall(vm.vcpu->registers(), vm.memory.size_bytes(), request);
  if (status != Status::kOk) {
    set_status(vm, exit, status);
    return true;
  }
  uint64_t now = clock::now_ns();
  switch (request.call) {
    case Hypercall::kConsoleWrite:
      // Post-copy: text on a page not here yet. The call is left undone (RIP stays on
      // it) and runs again once the page has come.
      if (uint64_t gfn = first_absent_page(vm, request.gpa, request.length); gfn != kNoAbsentPage) {
        return wait_for_page(vm, gfn);
      }
      console_write(vm, request);
      set_result(vm, exit, request.length);
      return true;
    case Hypercall::kTimeNs: set_result(vm, exit, vm.guest_time_ns(now)); return true;
    case Hypercall::kYield: set_status(vm, exit, Status::kOk); return false;
    case Hypercall::kBlockUntil: {
      set_status(vm, exit, Status::kOk);
      uint64_t guest_now = vm.guest_time_ns(now);
      if (request.deadline_ns <= guest_now) return true;
      // Saturate: a deadline centuries away simply blocks "forever".
      uint64_t wait = request.deadline_ns - guest_now;
      vm.wake_at_ns = wait > ~0ull - now ? ~0ull : now + wait;
      vm.state = VmState::kBlocked;
      return false;
    }
    case Hypercall::kExit:
      end_guest(vm, EndReason::kExited, request.status, "the guest called exit");
      return false;
    case Hypercall::kMigrateSelf: {
      Status started = self_migration ? self_migration(vm, request.ipv4, request.port, request.mode)
                                      : Status::kUnsupported;
      set_status(vm, exit, started);
      return started != Status::kOk;
    }
  }
  set_status(vm, exit, Status::kUnknownCall);
  return true;
}

}  // namespace godwit::vm
