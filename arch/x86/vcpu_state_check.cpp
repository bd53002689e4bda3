#include "arch/x86/vcpu_state_check.h"

namespace godwit::x86 {
namespace {

using Problem = std::string_view;

constexpr uint64_t kCr0Pe = 1u << 0, kCr0Nw = 1u << 29, kCr0Cd = 1u << 30, kCr0Pg = 1u << 31;
constexpr uint64_t kEferLme = 1u << 8, kEferLma = 1u << 10;
// RFLAGS bits 3, 5, 15 and 63:22 are reserved (zero) and bit 1 is always one (SDM Vol. 1
// 3.4.3); VM (bit 17) cannot be set in IA-32e mode.
constexpr uint64_t kRflagsReserved = (1u << 3) | (1u << 5) | (1u << 15) | ~uint64_t{0x3F'FFFF};
constexpr uint64_t kRflagsFixed1 = 1u << 1;
constexpr uint64_t kRflagsVm = 1u << 17;
// The VMX entry-interruption format of VcpuState.pending_event (SDM Vol. 3C 25.8.3).
constexpr uint32_t kEventValid = 1u << 31, kEventErrorCode = 1u << 11;
constexpr uint32_t kEventReserved = 0x7FFF'F000u;  // bits 30:12
constexpr uint32_t kEventTypeException = 3;

constexpr bool high_half_set(uint64_t value) { return (value >> 32) != 0; }

// Fields of VcpuState that carry nothing must be zero: a stream cannot smuggle bytes
// through them, and a future version can give them a meaning.
Problem reserved_field_problem(const VcpuState& s) {
  if (s.reserved != 0 || s.gdtr.reserved != 0 || s.idtr.reserved != 0) return "a reserved field is not zero";
  for (const SegmentState* seg : {&s.es, &s.cs, &s.ss, &s.ds, &s.fs, &s.gs, &s.ldtr, &s.tr}) {
    if (seg->reserved != 0 || seg->reserved2 != 0) return "a reserved field of a segment is not zero";
    if (seg->attributes & kSegmentReservedBits) return "a segment sets reserved access-rights bits";
  }
  return {};
}

// What the host writes to MSRs itself (VT-x switches them by WRMSR) or what the VMCS
// holds in narrower fields: refused here so that no backend faults or truncates.
Problem msr_problem(const VcpuState& s) {
  if (!canonical(s.lstar)) return "LSTAR is not canonical";
  if (!canonical(s.cstar)) return "CSTAR is not canonical";
  if (!canonical(s.kernel_gs_base)) return "KERNEL_GS_BASE is not canonical";
  if (high_half_set(s.sfmask)) return "SFMASK sets reserved bits 63:32";
  if (high_half_set(s.sysenter_cs)) return "SYSENTER_CS sets bits 63:32";
  if (!canonical(s.sysenter_esp) || !canonical(s.sysenter_eip)) return "a SYSENTER address is not canonical";
  for (unsigned i = 0; i < 8; ++i) {
    uint64_t type = (s.pat >> (8 * i)) & 0xFF;  // 0 UC, 1 WC, 4 WT, 5 WP, 6 WB, 7 UC-
    if (type == 2 || type == 3 || type > 7) return "PAT holds an invalid memory type";
  }
  return {};
}

Problem control_problem(const VcpuState& s, unsigned physical_address_bits) {
  if (high_half_set(s.cr0)) return "CR0 sets reserved bits 63:32";
  if ((s.cr0 & kCr0Nw) && !(s.cr0 & kCr0Cd)) return "CR0.NW is set without CR0.CD";
  if ((s.cr0 & kCr0Pg) && !(s.cr0 & kCr0Pe)) return "CR0.PG is set without CR0.PE";
  if (high_half_set(s.cr4)) return "CR4 sets reserved bits 63:32";
  bool long_mode = (s.efer & kEferLme) && (s.cr0 & kCr0Pg);
  if (((s.efer & kEferLma) != 0) != long_mode) return "EFER.LMA differs from EFER.LME and CR0.PG";
  unsigned width = physical_address_bits == 0 || physical_address_bits > 52 ? 52 : physical_address_bits;
  if (long_mode && (s.cr3 >> width) != 0) return "CR3 sets bits above the physical-address width";
  if (high_half_set(s.dr7)) return "DR7 sets bits 63:32";
  return {};
}

Problem register_problem(const VcpuState& s) {
  if (s.regs.rflags & kRflagsReserved) return "RFLAGS sets a reserved bit";
  if (!(s.regs.rflags & kRflagsFixed1)) return "RFLAGS bit 1 is clear";
  if ((s.efer & kEferLma) && (s.regs.rflags & kRflagsVm)) return "RFLAGS.VM is set in long mode";
  if (!canonical(s.regs.rip)) return "RIP is not canonical";
  if (s.gdtr.limit > 0xFFFF || s.idtr.limit > 0xFFFF) return "a GDTR or IDTR limit exceeds 16 bits";
  if (!canonical(s.gdtr.base) || !canonical(s.idtr.base)) return "a GDTR or IDTR base is not canonical";
  return {};
}

// Bases are loaded from 8-byte descriptors (32 bits) except FS, GS, LDTR and TR, whose
// bases can hold a whole linear address (SDM Vol. 3C 27.3.1.2).
Problem segment_base_problem(const VcpuState& s) {
  for (const SegmentState* seg : {&s.cs, &s.ss, &s.ds, &s.es}) {
    if (high_half_set(seg->base)) return "a CS, SS, DS or ES base sets bits 63:32";
  }
  for (const SegmentState* seg : {&s.fs, &s.gs, &s.ldtr, &s.tr}) {
    if (!canonical(seg->base)) return "an FS, GS, LDTR or TR base is not canonical";
  }
  return {};
}

Problem event_problem(const VcpuState& s) {
  if (s.activity > 1) return "the activity state is neither active nor halted";
  uint32_t e = s.pending_event;
  if (!(e & kEventValid)) {
    if (e != 0 || s.pending_error_code != 0) return "a pending event lacks its valid bit";
    return {};
  }
  if (e & kEventReserved) return "a pending event sets reserved bits";
  uint32_t type = (e >> 8) & 7, vector = e & 0xFF;
  if (type == 1 || type == 7) return "a pending event has a reserved type";
  if (type == 2 && vector != 2) return "a pending NMI does not use vector 2";
  bool exception = type == kEventTypeException || type == 5 || type == 6;
  if (exception && vector > 31) return "a pending exception uses a vector above 31";
  // SDM Vol. 3A 6.13: the exceptions that push an error code.
  bool pushes =
      type == kEventTypeException && (vector == 8 || (vector >= 10 && vector <= 14) || vector == 17);
  if (((e & kEventErrorCode) != 0) != pushes)
    return "a pending event's error-code bit is wrong for its vector";
  if (!pushes && s.pending_error_code != 0) return "a pending event without an error code carries one";
  return {};
}

}  // namespace

std::string_view fpu_state_problem(const FpuState& fpu, uint32_t mxcsr_mask) {
  if (fpu.xcr0 != kGuestXcr0) return "XCR0 is not x87|SSE, the state components Godwit carries";
  if (fpu.reserved != 0 || fpu.fxsave.reserved0 != 0) return "a reserved FPU field is not zero";
  // FXRSTOR raises #GP for an MXCSR bit outside the CPU's mask (SDM Vol. 1 10.5.1.1).
  if (fpu.fxsave.mxcsr & ~mxcsr_mask) return "MXCSR sets a bit this CPU reserves";
  return {};
}

std::string_view common_state_problem(const VcpuState& state, unsigned physical_address_bits) {
  if (auto p = reserved_field_problem(state); !p.empty()) return p;
  if (auto p = msr_problem(state); !p.empty()) return p;
  if (auto p = control_problem(state, physical_address_bits); !p.empty()) return p;
  if (auto p = register_problem(state); !p.empty()) return p;
  if (auto p = segment_base_problem(state); !p.empty()) return p;
  if (auto p = fpu_state_problem(state.fpu, ~kMxcsrReservedBits); !p.empty()) return p;
  return event_problem(state);
}

}  // namespace godwit::x86
