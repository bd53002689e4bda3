#include "kernel/vm/exit_handler.h"

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/time/clock.h"
#include "kernel/vm/cpuid_filter.h"
#include "kernel/vm/guests.h"
#include "kernel/vm/hypercalls.h"

namespace godwit::vm {

namespace {

using x86::ExitKind;

bool kill(Vm& vm, EndReason reason, std::string_view detail) {
  end_guest(vm, reason, 0, detail);
  return false;
}

bool handle_cpuid(Vm& vm, const x86::VmExit& exit) {
  x86::GuestRegisters& regs = vm.vcpu->registers();
  auto leaf = static_cast<uint32_t>(regs.gpr[x86::kRax]);
  auto subleaf = static_cast<uint32_t>(regs.gpr[x86::kRcx]);
  x86::CpuidResult r = guest_cpuid_answer(vm.cpuid, leaf, subleaf, backend()->hypercall_instruction());
  regs.gpr[x86::kRax] = r.eax;
  regs.gpr[x86::kRbx] = r.ebx;
  regs.gpr[x86::kRcx] = r.ecx;
  regs.gpr[x86::kRdx] = r.edx;
  vm.vcpu->skip_instruction(exit);
  return true;
}

bool handle_fault(Vm& vm, const x86::VmExit& exit) {
  // The only legitimate second-level fault: the first write to a write-protected page
  // while its writes are being tracked.
  if ((exit.access & x86::kAccessWrite) && exit.present && vm.dirty.record_write(exit.gpa)) return true;
  FixedString<96> detail;
  format(detail, "{} access to guest-physical {:#x}{}",
         (exit.access & x86::kAccessWrite) ? "write" : (exit.access & x86::kAccessExecute) ? "execute" : "read",
         exit.gpa, exit.gpa >= vm.memory.size_bytes() ? ", outside its RAM" : "");
  return kill(vm, EndReason::kOutsideRam, detail.view());
}

bool handle_hlt(Vm& vm, const x86::VmExit& exit) {
  // Guests get no interrupts, so HLT could only wait forever; treat it as "nothing to
  // do until the next host tick" rather than spinning the CPU.
  vm.vcpu->skip_instruction(exit);
  vm.wake_at_ns = clock::now_ns() + 1'000'000;
  vm.state = VmState::kBlocked;
  return false;
}

}  // namespace

bool handle_exit(Vm& vm, const x86::VmExit& exit) {
  if (static_cast<int>(exit.kind) < x86::kExitKindCount) ++vm.stats.exits[static_cast<int>(exit.kind)];
  FixedString<96> detail;
  switch (exit.kind) {
    case ExitKind::kHypercall:
      return handle_hypercall(vm, exit);
    case ExitKind::kCpuid:
      return handle_cpuid(vm, exit);
    case ExitKind::kHlt:
      return handle_hlt(vm, exit);
    case ExitKind::kInterrupt:
      x86::service_pending_interrupts();  // the host timer or a device; then go on
      return true;
    case ExitKind::kSecondLevelFault:
      return handle_fault(vm, exit);
    case ExitKind::kIo:
      format(detail, "{} port {:#x} ({} byte{}): guests have no I/O ports", exit.write ? "wrote to" : "read from",
             exit.port, exit.io_size, exit.io_size == 1 ? "" : "s");
      return kill(vm, EndReason::kIoDenied, detail.view());
    case ExitKind::kMsr:
      format(detail, "{} MSR {:#x}: guests have no MSR access", exit.write ? "wrote" : "read", exit.msr);
      return kill(vm, EndReason::kMsrDenied, detail.view());
    case ExitKind::kTripleFault:
      format(detail, "triple fault at rip {:#x}", vm.vcpu->registers().rip);
      return kill(vm, EndReason::kTripleFault, detail.view());
    case ExitKind::kInvalidState:
      format(detail, "the CPU refused to enter it (backend code {:#x}, {:#x})", exit.raw, exit.qualification);
      return kill(vm, EndReason::kInvalidState, detail.view());
    case ExitKind::kException:
      format(detail, "exception vector {} at rip {:#x}", exit.vector, vm.vcpu->registers().rip);
      return kill(vm, EndReason::kException, detail.view());
    case ExitKind::kOther:
      break;
  }
  format(detail, "unhandled exit (backend code {:#x}, qualification {:#x})", exit.raw, exit.qualification);
  return kill(vm, EndReason::kUnhandledExit, detail.view());
}

}  // namespace godwit::vm
