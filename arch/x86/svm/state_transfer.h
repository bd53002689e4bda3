// VcpuState to and from the VMCB, and the checks VMRUN would otherwise fail on
// (APM Vol. 2 15.5.1, "Canonicalization and Consistency Checks"), done first so that
// Vcpu::load() can refuse a bad state without touching the VMCB.
// Pure code, unit-tested on a Vmcb in memory.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/svm/vmcb.h"
#include "arch/x86/vcpu_state.h"

namespace godwit::x86::svm {

inline constexpr uint64_t kEferSce = 1u << 0, kEferLme = 1u << 8, kEferLma = 1u << 10;
inline constexpr uint64_t kEferNxe = 1u << 11, kEferSvme = 1u << 12;
inline constexpr uint64_t kCr0Pe = 1u << 0, kCr0Nw = 1u << 29, kCr0Cd = 1u << 30;
inline constexpr uint64_t kCr0Pg = 1u << 31;
inline constexpr uint64_t kCr4Pae = 1u << 5;
inline constexpr uint64_t kRflagsVm = 1u << 17;

// What this CPU lets a guest set (CR4 bits and EFER bits it implements).
struct GuestLimits {
  uint64_t cr4_allowed = 0;
  uint64_t efer_allowed = kEferSce | kEferLme | kEferLma;
  unsigned physical_address_bits = 0;  // MAXPHYADDR; 0 = not known (52 is assumed)
};

// Empty when VMRUN would accept `state`; otherwise one sentence naming what is wrong.
std::string_view state_rejection(const VcpuState& state, const GuestLimits& limits);

// Writes a state that passed state_rejection() into the VMCB: the state-save area, the
// pending event (EVENTINJ), RAX/RSP/RIP/RFLAGS from state.regs, and EFER with SVME set
// (VMRUN requires it in the guest EFER). The other GPRs are not in the VMCB.
void write_vmcb_state(const VcpuState& state, Vmcb& vmcb);

// Reads the VMCB into `state`, except the GPRs that are not in the VMCB, activity and
// guest time. EFER.SVME is hidden: it is this backend's, not the guest's.
void read_vmcb_state(const Vmcb& vmcb, VcpuState& state);

// EVENTINJ for the entry after an exit: the event the exit cut short (EXITINTINFO,
// APM 15.7.2) is delivered again; otherwise nothing is injected.
uint64_t event_injection_after_exit(uint64_t exit_int_info);

// The pending event in both layouts (VMX entry-interruption format <-> EVENTINJ).
uint64_t to_event_injection(uint32_t vmx_event, uint32_t error_code);
void from_event_injection(uint64_t event_injection, uint32_t& vmx_event, uint32_t& error_code);

}  // namespace godwit::x86::svm
