#include "arch/x86/vmx/state_transfer.h"

#include "arch/x86/vmx/vmx_controls.h"

namespace godwit::x86::vmx {
namespace {

using F = VmcsField;
using S = GuestSegment;

struct SegmentSlot {
  S index;
  SegmentState VcpuState::*member;
};

constexpr SegmentSlot kSegments[] = {
    {S::kEs, &VcpuState::es},     {S::kCs, &VcpuState::cs}, {S::kSs, &VcpuState::ss},
    {S::kDs, &VcpuState::ds},     {S::kFs, &VcpuState::fs}, {S::kGs, &VcpuState::gs},
    {S::kLdtr, &VcpuState::ldtr}, {S::kTr, &VcpuState::tr},
};

constexpr uint32_t kEventValid = 1u << 31;

// Remembers the first failed VMWRITE, so the list of fields reads as a list.
class Writer {
 public:
  explicit Writer(VmcsAccess& vmcs) : vmcs_(vmcs) {}
  void operator()(F field, uint64_t value) {
    if (!vmcs_.write(field, value) && failed_ == 0) failed_ = static_cast<uint32_t>(field);
  }
  uint32_t failed() const { return failed_; }

 private:
  VmcsAccess& vmcs_;
  uint32_t failed_ = 0;
};

// The guest's view of a control register: host-owned bits come from the read shadow.
uint64_t guest_view(VmcsAccess& vmcs, F value, F mask, F shadow) {
  uint64_t m = vmcs.read(mask);
  return (vmcs.read(value) & ~m) | (vmcs.read(shadow) & m);
}

void write_segments(const VcpuState& state, Writer& w) {
  for (const SegmentSlot& slot : kSegments) {
    const SegmentState& given = state.*slot.member;
    SegmentState s = slot.index == S::kTr ? vmcs_task_register(given) : vmcs_segment(given);
    w(segment_field(F::kGuestEsSelector, slot.index), s.selector);
    w(segment_field(F::kGuestEsLimit, slot.index), s.limit);
    w(segment_field(F::kGuestEsAccessRights, slot.index), s.attributes);
    w(segment_field(F::kGuestEsBase, slot.index), s.base);
  }
  w(F::kGuestGdtrBase, state.gdtr.base);
  w(F::kGuestGdtrLimit, state.gdtr.limit);
  w(F::kGuestIdtrBase, state.idtr.base);
  w(F::kGuestIdtrLimit, state.idtr.limit);
}

void read_segments(VmcsAccess& vmcs, VcpuState& state) {
  for (const SegmentSlot& slot : kSegments) {
    SegmentState& s = state.*slot.member;
    s = SegmentState{};
    s.selector = static_cast<uint16_t>(vmcs.read(segment_field(F::kGuestEsSelector, slot.index)));
    s.limit = static_cast<uint32_t>(vmcs.read(segment_field(F::kGuestEsLimit, slot.index)));
    auto rights = static_cast<uint32_t>(vmcs.read(segment_field(F::kGuestEsAccessRights, slot.index)));
    s.attributes = rights & ~kSegmentReservedBits;
    s.base = vmcs.read(segment_field(F::kGuestEsBase, slot.index));
  }
  state.gdtr = {vmcs.read(F::kGuestGdtrBase), static_cast<uint32_t>(vmcs.read(F::kGuestGdtrLimit)), 0};
  state.idtr = {vmcs.read(F::kGuestIdtrBase), static_cast<uint32_t>(vmcs.read(F::kGuestIdtrLimit)), 0};
}

}  // namespace

uint64_t cr0_guest_host_mask(const GuestFixedBits& fixed) { return fixed.cr0.fixed0 | kCr0Cd | kCr0Nw; }
uint64_t cr4_guest_host_mask(const GuestFixedBits& fixed) { return fixed.cr4.fixed0; }

uint32_t write_vmcs_state(const VcpuState& state, const VmcsStateLayout& layout, VmcsAccess& vmcs,
                          VmxSoftState& soft) {
  Writer w(vmcs);
  w(F::kGuestCr0, state.cr0);
  w(F::kCr0ReadShadow, state.cr0);
  w(F::kGuestCr4, layout.fixed.cr4.apply(state.cr4));  // VMXE, hidden by the shadow
  w(F::kCr4ReadShadow, state.cr4);
  w(F::kGuestCr3, state.cr3);
  w(F::kGuestDr7, state.dr7);
  w(F::kGuestEfer, state.efer);
  if (layout.pat_in_vmcs) w(F::kGuestPat, state.pat);
  w(F::kGuestSysenterCs, state.sysenter_cs);
  w(F::kGuestSysenterEsp, state.sysenter_esp);
  w(F::kGuestSysenterEip, state.sysenter_eip);
  w(F::kGuestActivityState, state.activity);
  w(F::kGuestInterruptibility, 0);
  w(F::kGuestPendingDebugExceptions, 0);
  w(F::kEntryInterruptionInfo, state.pending_event);
  w(F::kEntryExceptionErrorCode, state.pending_error_code);
  w(F::kGuestDebugCtl, 0);
  write_segments(state, w);
  soft.regs = state.regs;
  soft.cr2 = state.cr2;
  soft.star = state.star, soft.lstar = state.lstar, soft.cstar = state.cstar;
  soft.sfmask = state.sfmask, soft.kernel_gs_base = state.kernel_gs_base;
  soft.pat = state.pat;
  return w.failed();
}

void read_vmcs_state(VmcsAccess& vmcs, const VmcsStateLayout& layout, const VmxSoftState& soft,
                     VcpuState& state) {
  state.regs = soft.regs;  // RSP, RIP and RFLAGS too: an exit handler may have moved them
  state.cr0 = guest_view(vmcs, F::kGuestCr0, F::kCr0GuestHostMask, F::kCr0ReadShadow);
  state.cr4 = guest_view(vmcs, F::kGuestCr4, F::kCr4GuestHostMask, F::kCr4ReadShadow);
  state.cr3 = vmcs.read(F::kGuestCr3);
  state.cr2 = soft.cr2;
  state.dr7 = vmcs.read(F::kGuestDr7);
  state.efer = vmcs.read(F::kGuestEfer);
  state.pat = layout.pat_in_vmcs ? vmcs.read(F::kGuestPat) : soft.pat;
  state.sysenter_cs = vmcs.read(F::kGuestSysenterCs);
  state.sysenter_esp = vmcs.read(F::kGuestSysenterEsp);
  state.sysenter_eip = vmcs.read(F::kGuestSysenterEip);
  state.star = soft.star, state.lstar = soft.lstar, state.cstar = soft.cstar;
  state.sfmask = soft.sfmask, state.kernel_gs_base = soft.kernel_gs_base;
  read_segments(vmcs, state);
  state.activity = static_cast<uint32_t>(vmcs.read(F::kGuestActivityState));
  // A VM exit clears the valid bit, so this is exactly what run() re-queued.
  auto event = static_cast<uint32_t>(vmcs.read(F::kEntryInterruptionInfo));
  bool valid = (event & kEventValid) != 0;
  state.pending_event = valid ? event : 0;
  bool has_code = valid && (event & (1u << 11)) != 0;
  state.pending_error_code = has_code ? static_cast<uint32_t>(vmcs.read(F::kEntryExceptionErrorCode)) : 0;
  state.reserved = 0;
}

}  // namespace godwit::x86::vmx
