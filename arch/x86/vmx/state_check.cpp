#include "arch/x86/vmx/state_check.h"

#include "arch/x86/vmx/exit_reason.h"
#include "arch/x86/vmx/vmx_controls.h"

namespace godwit::x86::vmx {

namespace {

using Problem = std::string_view;

constexpr uint64_t kEferAllowed = (1u << 0) | kEferLme | kEferLma | (1u << 11);  // SCE LME LMA NXE

constexpr uint32_t type_of(const SegmentState& s) { return s.attributes & kArTypeMask; }
constexpr uint32_t dpl_of(const SegmentState& s) { return (s.attributes >> 5) & 3; }
constexpr bool usable(const SegmentState& s) { return (s.attributes & kArUnusable) == 0; }

// Limit and G agree (27.3.1.2): a limit above 1 MiB needs G=1, and G=1 needs the low
// 12 bits of the limit all ones.
bool granularity_consistent(const SegmentState& s) {
  bool g = s.attributes & kArGranularity;
  if ((s.limit & 0xFFF) != 0xFFF && g) return false;
  if (s.limit > 0xFFFFF && !g) return false;
  return true;
}

Problem common_segment_problem(const SegmentState& s, bool system) {
  if (!usable(s)) return {};
  if (s.attributes & kArReserved) return "a segment has reserved access-rights bits set";
  if ((s.attributes & kArPresent) == 0) return "a usable segment is not present";
  if (((s.attributes & kArS) == 0) != system) return "a segment has the wrong descriptor kind (S bit)";
  if (!granularity_consistent(s)) return "a segment limit disagrees with its granularity bit";
  if (!canonical(s.base)) return "a segment base is not canonical";
  return {};
}

Problem code_segment_problem(const SegmentState& cs, const SegmentState& ss) {
  if (!usable(cs)) return "CS is unusable";
  if (auto p = common_segment_problem(cs, false); !p.empty()) return p;
  if ((cs.attributes & kArCode) == 0) return "CS is not a code segment";
  if ((cs.attributes & kArLong) && (cs.attributes & kArDefaultBig)) return "CS has both L and D set";
  bool conforming = cs.attributes & (1u << 2);
  if (usable(ss) && !conforming && dpl_of(cs) != dpl_of(ss)) return "CS.DPL differs from SS.DPL";
  if ((cs.selector & 3) != (ss.selector & 3)) return "the RPLs of CS and SS differ";
  return {};
}

Problem data_segment_problem(const SegmentState& s) {
  if (auto p = common_segment_problem(s, false); !p.empty()) return p;
  if (!usable(s)) return {};
  if ((s.attributes & kArCode) && (s.attributes & 2) == 0) return "a data segment is unreadable code";
  if (type_of(s) < 12 && dpl_of(s) < (s.selector & 3u)) {
    return "a data segment's DPL is below its selector's RPL";
  }
  return {};
}

Problem stack_segment_problem(const SegmentState& ss) {
  if (!usable(ss)) return {};
  if (type_of(ss) != 3 && type_of(ss) != 7) return "SS is not a writable data segment";
  if (dpl_of(ss) != (ss.selector & 3u)) return "SS.DPL differs from its selector's RPL";
  return {};
}

Problem system_segment_problem(const VcpuState& s) {
  SegmentState tr = vmcs_task_register(s.tr);
  if (auto p = common_segment_problem(tr, true); !p.empty()) return p;
  if (type_of(tr) != kTypeBusyTss64 || (tr.selector & 4)) return "TR is not a 64-bit TSS in the GDT";
  SegmentState ldtr = vmcs_segment(s.ldtr);
  if (auto p = common_segment_problem(ldtr, true); !p.empty()) return p;
  if (usable(ldtr) && (type_of(ldtr) != kTypeLdt || (ldtr.selector & 4)))
    return "LDTR is not an LDT in the GDT";
  return {};
}

Problem segments_problem(const VcpuState& s) {
  SegmentState cs = vmcs_segment(s.cs), ss = vmcs_segment(s.ss);
  if (auto p = code_segment_problem(cs, ss); !p.empty()) return p;
  if (auto p = common_segment_problem(ss, false); !p.empty()) return p;
  if (auto p = stack_segment_problem(ss); !p.empty()) return p;
  for (const SegmentState* d : {&s.ds, &s.es, &s.fs, &s.gs}) {
    if (auto p = data_segment_problem(vmcs_segment(*d)); !p.empty()) return p;
  }
  return system_segment_problem(s);
}

// Beyond the common rules: what VMX fixes (CR0/CR4 fixed bits, Vol. 3C 24.8 and A.7-A.8)
// and what Godwit's guests need without unrestricted guest (IA-32e mode, PAE).
Problem control_problem(const VcpuState& s, const GuestFixedBits& fixed) {
  if (!fixed.cr0.allows(s.cr0)) return "CR0 lacks a bit VT-x requires (PE, NE, PG) or sets a reserved one";
  if (!fixed.cr4.allows(s.cr4 | kCr4Vmxe)) return "CR4 sets a bit this CPU does not support";
  if ((s.cr4 & kCr4Pae) == 0) return "CR4.PAE is clear (guests run in long mode)";
  if (s.efer & ~kEferAllowed) return "EFER sets an unsupported bit";
  if ((s.efer & kEferLma) == 0 || (s.efer & kEferLme) == 0) {
    return "EFER.LMA/LME are clear (guests enter in IA-32e mode)";
  }
  return {};
}

// 27.3.1.4 and 26.2.1.3: only external interrupts, NMIs and hardware exceptions are
// carried (software events re-execute their instruction; injecting one would need the
// VM-entry instruction length), and an error code fits in 16 bits.
Problem event_problem(const VcpuState& s) {
  auto event = decode<InterruptionInfo>(s.pending_event);
  if (!event.valid) return {};
  if (event.type != 0 && event.type != 2 && event.type != 3) return "a pending event has an unsupported type";
  if ((s.pending_error_code >> 16) != 0) return "a pending event's error code sets bits 31:16";
  return {};
}

}  // namespace

SegmentState vmcs_segment(const SegmentState& segment) {
  SegmentState s = segment;
  if (s.attributes == 0) s.attributes = kArUnusable;
  if (usable(s) && (s.attributes & kArS)) s.attributes |= kArAccessed;
  return s;
}

SegmentState vmcs_task_register(const SegmentState& tr) {
  SegmentState s = tr;
  if (s.attributes == 0 || !usable(s)) {
    s.attributes = kArPresent | kTypeBusyTss64;
    s.limit = sizeof(uint32_t) * 26 - 1;  // 104 bytes: a 64-bit TSS without I/O bitmap
    s.base = 0;
  } else if (type_of(s) == 9) {
    s.attributes = (s.attributes & ~kArTypeMask) | kTypeBusyTss64;
  }
  return s;
}

std::string_view guest_state_problem(const VcpuState& state, const GuestFixedBits& fixed) {
  if (auto p = common_state_problem(state, fixed.physical_address_bits); !p.empty()) return p;
  if (auto p = control_problem(state, fixed); !p.empty()) return p;
  if (auto p = segments_problem(state); !p.empty()) return p;
  return event_problem(state);
}

}  // namespace godwit::x86::vmx
