// The checks a VM entry makes on the guest-state area (Intel SDM Vol. 3C 27.3.1,
// "Checks on the Guest State Area"), applied to a VcpuState before any of it reaches
// the VMCS, so a bad migration stream or VM-layer bug ends as kInvalidArgument with a
// sentence instead of a failed entry. Godwit's guests run in IA-32e mode without
// unrestricted guest, which fixes many choices (CR0.PE/PG, EFER.LMA, segment rules).
// Pure code: unit-tested on the host.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/vcpu_state.h"
#include "arch/x86/vcpu_state_check.h"
#include "arch/x86/vmx/control_adjust.h"

namespace godwit::x86::vmx {

struct GuestFixedBits {
  FixedBits cr0;
  FixedBits cr4;
  unsigned physical_address_bits = 0;  // MAXPHYADDR; 0 = not known (52 is assumed)
};

// Access-rights bits (Vol. 3C 25.4.1, Table 25-2).
inline constexpr uint32_t kArTypeMask = 0xF;
inline constexpr uint32_t kArAccessed = 1u << 0;
inline constexpr uint32_t kArCode = 1u << 3;
inline constexpr uint32_t kArS = 1u << 4;
inline constexpr uint32_t kArPresent = 1u << 7;
inline constexpr uint32_t kArLong = 1u << 13;
inline constexpr uint32_t kArDefaultBig = 1u << 14;
inline constexpr uint32_t kArGranularity = 1u << 15;
inline constexpr uint32_t kArUnusable = 1u << 16;
inline constexpr uint32_t kArReserved = 0xFFFE'0F00u;  // bits 31:17 and 11:8
inline constexpr uint32_t kTypeBusyTss64 = 11;
inline constexpr uint32_t kTypeLdt = 2;

// The segment as the VMCS will hold it. Attributes 0 (never loaded) become "unusable";
// usable code and data segments get their accessed bit (the CPU sets it on any load
// anyway, and the entry checks demand it); an available 64-bit TSS becomes busy, and a
// missing TR becomes a minimal busy TSS at 0 (VM entry needs one; guests that never
// load TR never notice).
SegmentState vmcs_segment(const SegmentState& segment);
SegmentState vmcs_task_register(const SegmentState& tr);

// Empty when `state` passes the common rules (arch/x86/vcpu_state_check.h) and the
// entry checks Godwit can make ahead of time; otherwise one sentence naming the first
// problem. Segments are checked as vmcs_segment() / vmcs_task_register() would store
// them.
std::string_view guest_state_problem(const VcpuState& state, const GuestFixedBits& fixed);

using x86::canonical;

}  // namespace godwit::x86::vmx
