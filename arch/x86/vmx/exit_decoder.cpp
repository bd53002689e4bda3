#include "arch/x86/vmx/exit_decoder.h"

#include "arch/x86/vmx/exit_reason.h"

namespace godwit::x86::vmx {

namespace {

void decode_io(uint64_t qualification, VmExit& exit) {
  auto io = decode<IoQualification>(qualification);
  exit.kind = ExitKind::kIo;
  exit.port = static_cast<uint16_t>(io.port);
  exit.io_size = static_cast<uint8_t>(io.size_minus_one + 1);
  exit.write = io.in == 0;
}

void decode_ept_violation(const RawExit& raw, VmExit& exit) {
  auto q = decode<EptViolationQualification>(raw.qualification);
  exit.kind = ExitKind::kSecondLevelFault;
  exit.gpa = raw.guest_physical;
  exit.access = static_cast<Permissions>((q.read ? kAccessRead : 0) | (q.write ? kAccessWrite : 0) |
                                         (q.execute ? kAccessExecute : 0));
  exit.present = q.readable || q.writable || q.executable;
}

}  // namespace

VmExit normalize_exit(const RawExit& raw) {
  VmExit exit;
  exit.raw = raw.reason;
  exit.qualification = raw.qualification;
  // Only 1..15 is meaningful (an x86 instruction is at most 15 bytes); the field is
  // undefined for exits that are not caused by an instruction.
  exit.instruction_length = raw.instruction_length <= 15 ? static_cast<uint8_t>(raw.instruction_length) : 0;
  auto reason = decode<ExitReasonField>(raw.reason);
  if (reason.entry_failure) {
    exit.kind = ExitKind::kInvalidState;
    return exit;
  }
  switch (static_cast<ExitReason>(reason.basic)) {
    case ExitReason::kVmcall: exit.kind = ExitKind::kHypercall; break;
    case ExitReason::kCpuid: exit.kind = ExitKind::kCpuid; break;
    case ExitReason::kHlt: exit.kind = ExitKind::kHlt; break;
    case ExitReason::kIoInstruction: decode_io(raw.qualification, exit); break;
    case ExitReason::kRdmsr: exit.kind = ExitKind::kMsr; break;
    case ExitReason::kWrmsr:
      exit.kind = ExitKind::kMsr;
      exit.write = true;
      break;
    case ExitReason::kEptViolation: decode_ept_violation(raw, exit); break;
    case ExitReason::kEptMisconfiguration:
    case ExitReason::kInvalidGuestState:
    case ExitReason::kMsrLoadingFailure:
    case ExitReason::kMachineCheckDuringEntry: exit.kind = ExitKind::kInvalidState; break;
    // The preemption timer is the backstop of the host tick (see vmcs_controls.cpp): to
    // the caller both mean "the time slice may be over".
    case ExitReason::kExternalInterrupt:
    case ExitReason::kPreemptionTimer: exit.kind = ExitKind::kInterrupt; break;
    case ExitReason::kTripleFault: exit.kind = ExitKind::kTripleFault; break;
    case ExitReason::kPageModificationLogFull: exit.kind = ExitKind::kDirtyLogFull; break;
    case ExitReason::kExceptionOrNmi:
      exit.kind = ExitKind::kException;
      exit.vector = static_cast<uint8_t>(decode<InterruptionInfo>(raw.interruption_info).vector);
      break;
    default: exit.kind = ExitKind::kOther; break;
  }
  return exit;
}

std::string_view vm_instruction_error_text(uint32_t error) {
  switch (error) {
    case 2: return "VMCLEAR with an invalid address";
    case 4: return "VMLAUNCH with a non-clear VMCS";
    case 5: return "VMRESUME with a non-launched VMCS";
    case 7: return "VM entry with invalid control fields";
    case 8: return "VM entry with invalid host-state fields";
    case 9: return "VMPTRLD with an invalid address";
    case 11: return "VMPTRLD with an incorrect VMCS revision identifier";
    case 12: return "VMREAD/VMWRITE of an unsupported VMCS component";
    case 13: return "VMWRITE to a read-only VMCS component";
    case 26: return "VM entry with events blocked by MOV SS";
    case 28: return "invalid operand to INVEPT/INVVPID";
    default: return "see Intel SDM Vol. 3C, VM Instruction Error Numbers";
  }
}

std::string_view invalid_state_text(uint32_t reason) {
  switch (static_cast<ExitReason>(decode<ExitReasonField>(reason).basic)) {
    case ExitReason::kInvalidGuestState: return "VM entry failed: invalid guest state";
    case ExitReason::kMsrLoadingFailure: return "VM entry failed: MSR loading";
    case ExitReason::kMachineCheckDuringEntry: return "VM entry failed: machine check";
    case ExitReason::kEptMisconfiguration: return "EPT misconfiguration";
    default: return "VM entry failed";
  }
}

}  // namespace godwit::x86::vmx
