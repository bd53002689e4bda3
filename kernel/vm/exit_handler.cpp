#include "kernel/vm/exit_handler.h"

#include "arch/x86/cpu/intrinsics.h"
#include "godwit/abi.h"
#include "kernel/time/clock.h"
#include "kernel/vm/absent_pages.h"
#include "kernel/vm/cpuid_filter.h"
#include "kernel/vm/devices/mmio_instruction.h"
#include "kernel/vm/guest_nic.h"
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

// A register access to the guest's virtio-mmio page (decision 0012): decode the
// instruction at RIP (the fault carries no value), check that it is the one that faulted,
// do the access, and step over it. Anything unexpected ends the guest.
bool handle_mmio(Vm& vm, const x86::VmExit& exit) {
  x86::GuestRegisters& regs = vm.vcpu->registers();
  FixedString<160> detail;
  // Guests that use the device run identity-mapped (abi.md), so RIP is guest-physical.
  uint8_t bytes[devices::kMaxInstructionBytes] = {};
  uint64_t ram = vm.memory.size_bytes();
  size_t available =
      regs.rip < ram ? static_cast<size_t>(ram - regs.rip < sizeof bytes ? ram - regs.rip : sizeof bytes) : 0;
  auto insn = devices::decode_mmio_instruction(copy_from_guest(vm.memory, regs.rip, {bytes, available})
                                                   ? std::span<const uint8_t>(bytes, available)
                                                   : std::span<const uint8_t>());
  if (!insn) {
    format(
        detail,
        "MMIO access to {:#x} by an instruction it cannot emulate (rip {:#x}: {:02x} {:02x} {:02x} {:02x})",
        exit.gpa, regs.rip, bytes[0], bytes[1], bytes[2], bytes[3]);
    return kill(vm, EndReason::kDeviceError, detail.view());
  }
  bool write = (exit.access & x86::kAccessWrite) != 0;
  uint64_t operand = devices::effective_address(*insn, regs);
  if (operand != exit.gpa || insn->write != write) {
    format(detail, "MMIO {} at {:#x}, but the instruction at rip {:#x} {} {:#x}", write ? "write" : "read",
           exit.gpa, regs.rip, insn->write ? "writes" : "reads", operand);
    return kill(vm, EndReason::kDeviceError, detail.view());
  }
  uint64_t offset = exit.gpa - abi::kVirtioNetMmioBase;
  if (write) {
    if (!vm.nic->mmio_write(offset, static_cast<uint32_t>(regs.gpr[insn->reg]))) {
      return kill(vm, EndReason::kDeviceError, vm.nic->fault());
    }
  } else {
    auto value = vm.nic->mmio_read(offset);
    if (!value) return kill(vm, EndReason::kDeviceError, vm.nic->fault());
    regs.gpr[insn->reg] = *value;  // a 32-bit load zero-extends into the 64-bit register
  }
  regs.rip += insn->length;
  (void)vm.nic->pump();  // a notify sends at once: no wait for the next poll
  if (vm.nic->broken()) return kill(vm, EndReason::kDeviceError, vm.nic->fault());
  return true;
}

bool handle_fault(Vm& vm, const x86::VmExit& exit) {
  // Legitimate second-level faults: the first write to a write-protected page while its
  // writes are being tracked (never under PML, which leaves pages writable), and a
  // register access to the guest's own NIC.
  if ((exit.access & x86::kAccessWrite) && exit.present && vm.dirty.record_write(exit.gpa)) return true;
  // Post-copy: a page that has not arrived yet. The vCPU waits for it (absent_pages.h).
  if (!exit.present && vm.absent_pages != nullptr && exit.gpa < vm.memory.size_bytes()) {
    return wait_for_page(vm, exit.gpa / kGuestPageSize);
  }
  if (!exit.present && vm.nic != nullptr && exit.gpa >= abi::kVirtioNetMmioBase &&
      exit.gpa - abi::kVirtioNetMmioBase < abi::kVirtioNetMmioBytes) {
    return handle_mmio(vm, exit);
  }
  FixedString<96> detail;
  format(detail, "{} access to guest-physical {:#x}{}",
         (exit.access & x86::kAccessWrite)     ? "write"
         : (exit.access & x86::kAccessExecute) ? "execute"
                                               : "read",
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
    case ExitKind::kHypercall: return handle_hypercall(vm, exit);
    case ExitKind::kCpuid: return handle_cpuid(vm, exit);
    case ExitKind::kHlt: return handle_hlt(vm, exit);
    case ExitKind::kInterrupt:
      x86::service_pending_interrupts();  // the host timer or a device; then go on
      return true;
    case ExitKind::kSecondLevelFault: return handle_fault(vm, exit);
    // PML logged 512 pages since the last drain: the pages go into the tracker's log and
    // the write that found the log full runs again. Only an armed log can fill up.
    case ExitKind::kDirtyLogFull:
      if (vm.dirty.record_log_full()) return true;
      break;
    case ExitKind::kIo:
      format(detail, "{} port {:#x} ({} byte{}): guests have no I/O ports",
             exit.write ? "wrote to" : "read from", exit.port, exit.io_size, exit.io_size == 1 ? "" : "s");
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
    case ExitKind::kOther: break;
  }
  format(detail, "unhandled exit (backend code {:#x}, qualification {:#x})", exit.raw, exit.qualification);
  return kill(vm, EndReason::kUnhandledExit, detail.view());
}

}  // namespace godwit::vm
