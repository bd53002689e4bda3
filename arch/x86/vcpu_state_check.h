// The rules every backend applies to a VcpuState before loading it, whatever its own
// layout: values no x86-64 CPU could have saved (reserved bits, non-canonical
// addresses; Intel SDM Vol. 3A 2.5 and 3.4.5, AMD APM Vol. 2 3.1), and values the host
// itself writes with WRMSR, where a #GP would be the hypervisor's and not the guest's
// (SYSCALL MSRs and KERNEL_GS_BASE on VT-x: SDM Vol. 4, "IA32_LSTAR ... must be
// canonical", "IA32_FMASK bits 63:32 reserved"). The backend's own check (VM-entry
// checks, VMRUN consistency checks) comes after these. A state refused here is a NACK
// for a migration and never reaches the CPU. Pure code: unit-tested on the host.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/vcpu_state.h"

namespace godwit::x86 {

// 48-bit linear addresses: bits 63:47 all equal. (No guest is offered 5-level paging.)
constexpr bool canonical(uint64_t address) {
  return static_cast<uint64_t>(static_cast<int64_t>(address << 16) >> 16) == address;
}

// Access-rights bits that are reserved in the VMX layout VcpuState uses (bits 31:17 and
// 11:8; SDM Vol. 3C 25.4.1, Table 25-2). Neither backend can hold them.
inline constexpr uint32_t kSegmentReservedBits = 0xFFFE'0F00u;

// Empty when `state` breaks none of the common rules; otherwise one sentence naming
// the first rule it breaks. `physical_address_bits` is the host's MAXPHYADDR (CPUID
// 0x80000008 EAX[7:0]); CR3 must not set a bit at or above it in long mode.
// The FPU state's rules among them (fpu_state_problem with every MXCSR bit a CPU may
// define allowed).
std::string_view common_state_problem(const VcpuState& state, unsigned physical_address_bits);

// Empty when FXRSTOR of `fpu` cannot fault on a CPU whose MXCSR_MASK is `mxcsr_mask`
// and the state holds exactly the components Godwit carries (XCR0 = x87 | SSE);
// otherwise one sentence. The loading node passes its own mask (arch/x86/cpu/fpu.h).
std::string_view fpu_state_problem(const FpuState& fpu, uint32_t mxcsr_mask);

}  // namespace godwit::x86
