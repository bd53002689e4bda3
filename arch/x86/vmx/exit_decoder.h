// From what the VMCS says about an exit to the backend-neutral VmExit.
// Pure code: unit-tested on the host with hand-built exit information.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/backend/vm_exit.h"

namespace godwit::x86::vmx {

// The exit-information fields read after a VM exit (Vol. 3C 25.9).
struct RawExit {
  uint32_t reason = 0;              // VMCS 0x4402, with the entry-failure bit
  uint64_t qualification = 0;       // 0x6400
  uint32_t instruction_length = 0;  // 0x440C
  uint64_t guest_physical = 0;      // 0x2400, meaningful for EPT exits
  uint32_t interruption_info = 0;   // 0x4404, meaningful for exception/NMI exits
};

// kMsr exits leave `msr` 0: the number is the guest's ECX, which the vCPU fills in.
VmExit normalize_exit(const RawExit& raw);

// For messages: the VM-instruction error numbers (Vol. 3C "VM Instruction Error Numbers") and why an
// exit that reports kInvalidState happened.
std::string_view vm_instruction_error_text(uint32_t error);
std::string_view invalid_state_text(uint32_t reason);

}  // namespace godwit::x86::vmx
