// What a guest sees when it executes CPUID: its CPU model (kernel/vm/cpu_model.h), fixed
// when it was created and carried by migrations, and Godwit's own leaves
// 0x40000000-0x40000001 (include/godwit/abi.h), which the node answers: the
// hypercall instruction they name is this node's. Never the host's own answer. Pure code.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/vcpu_state.h"

namespace godwit::vm {

// True for the hypervisor range 0x40000000-0x4FFFFFFF, answered by the node.
bool cpuid_is_synthetic(uint32_t leaf);

// The guest's answer for (leaf, subleaf). `hypercall_instruction` is
// abi::kInstructionVmcall or kInstructionVmmcall.
x86::CpuidResult guest_cpuid_answer(const x86::GuestCpuid& model, uint32_t leaf, uint32_t subleaf,
                                    uint32_t hypercall_instruction);

}  // namespace godwit::vm
