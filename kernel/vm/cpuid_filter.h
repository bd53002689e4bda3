// What a guest sees when it executes CPUID: the host's answer with the virtualization
// features hidden (a guest cannot nest), the "running under a hypervisor" bit set
// (CPUID.1:ECX[31], SDM Vol. 2A CPUID), and Godwit's own leaves 0x40000000-0x40000001
// (include/godwit/abi.h). Pure code: the host's answer is passed in.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/intrinsics.h"

namespace godwit::vm {

// True when the leaf is answered without asking the host CPU (the hypervisor range).
bool cpuid_is_synthetic(uint32_t leaf);

// The guest's answer for `leaf`, from the host's answer `host` (ignored for synthetic
// leaves). `hypercall_instruction` is abi::kInstructionVmcall or kInstructionVmmcall.
x86::CpuidResult filter_cpuid(uint32_t leaf, const x86::CpuidResult& host, uint32_t hypercall_instruction);

}  // namespace godwit::vm
