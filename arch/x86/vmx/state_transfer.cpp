// VmxVcpu::save() and load(): VcpuState to and from the VMCS guest-state area
// (Intel SDM Vol. 3C 25.4 "Guest-State Area"), plus the registers VMX does not switch.
#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/vmx/state_check.h"
#include "arch/x86/vmx/vmcs_writer.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "kernel/console/log.h"

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

// The guest's view of a control register: host-owned bits come from the read shadow.
uint64_t guest_view(F value, F mask, F shadow) {
  uint64_t m = vmread(mask);
  return (vmread(value) & ~m) | (vmread(shadow) & m);
}

}  // namespace

void VmxVcpu::write_segments(const VcpuState& state) {
  VmcsWriter w;
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
  if (!w.ok()) log::error("VT-x: VMWRITE of guest segment field {:#x} failed", w.failed_field());
}

void VmxVcpu::read_segments(VcpuState& state) {
  for (const SegmentSlot& slot : kSegments) {
    SegmentState& s = state.*slot.member;
    s = SegmentState{};
    s.selector = static_cast<uint16_t>(vmread(segment_field(F::kGuestEsSelector, slot.index)));
    s.limit = static_cast<uint32_t>(vmread(segment_field(F::kGuestEsLimit, slot.index)));
    s.attributes = static_cast<uint32_t>(vmread(segment_field(F::kGuestEsAccessRights, slot.index)));
    s.base = vmread(segment_field(F::kGuestEsBase, slot.index));
  }
  state.gdtr = {vmread(F::kGuestGdtrBase), static_cast<uint32_t>(vmread(F::kGuestGdtrLimit)), 0};
  state.idtr = {vmread(F::kGuestIdtrBase), static_cast<uint32_t>(vmread(F::kGuestIdtrLimit)), 0};
}

void VmxVcpu::save(VcpuState& state) {
  if (!make_current()) {
    log::error("VT-x: VMPTRLD failed; vCPU state not saved");
    return;
  }
  if (unswitched_owner_ == this) capture_unswitched();
  state.regs = regs_;
  state.cr0 = guest_view(F::kGuestCr0, F::kCr0GuestHostMask, F::kCr0ReadShadow);
  state.cr4 = guest_view(F::kGuestCr4, F::kCr4GuestHostMask, F::kCr4ReadShadow);
  state.cr3 = vmread(F::kGuestCr3);
  state.cr2 = unswitched_.cr2;
  state.dr7 = vmread(F::kGuestDr7);
  state.efer = vmread(F::kGuestEfer);
  state.pat = shared_.controls.pat ? vmread(F::kGuestPat) : pat_;
  state.sysenter_cs = vmread(F::kGuestSysenterCs);
  state.sysenter_esp = vmread(F::kGuestSysenterEsp);
  state.sysenter_eip = vmread(F::kGuestSysenterEip);
  state.star = unswitched_.star;
  state.lstar = unswitched_.lstar;
  state.cstar = unswitched_.cstar;
  state.sfmask = unswitched_.sfmask;
  state.kernel_gs_base = unswitched_.kernel_gs_base;
  read_segments(state);
  state.activity = static_cast<uint32_t>(vmread(F::kGuestActivityState));
  // A VM exit clears the valid bit, so this is exactly what run() re-queued.
  state.pending_event = static_cast<uint32_t>(vmread(F::kEntryInterruptionInfo));
  state.pending_error_code =
      (state.pending_event >> 31) ? static_cast<uint32_t>(vmread(F::kEntryExceptionErrorCode)) : 0;
  if ((state.pending_event >> 31) == 0) state.pending_event = 0;
}

Status VmxVcpu::load(const VcpuState& state) {
  if (auto problem = guest_state_problem(state, shared_.caps.fixed); !problem.empty()) {
    log::error("VT-x: vCPU state rejected: {}", problem);
    return fail(Error::kInvalidArgument);
  }
  if (!make_current()) return fail(Error::kState);
  VmcsWriter w;
  w(F::kGuestCr0, state.cr0);
  w(F::kCr0ReadShadow, state.cr0);
  w(F::kGuestCr4, shared_.caps.fixed.cr4.apply(state.cr4));  // VMXE, hidden by the shadow
  w(F::kCr4ReadShadow, state.cr4);
  w(F::kGuestCr3, state.cr3);
  w(F::kGuestDr7, state.dr7);
  w(F::kGuestEfer, state.efer);
  if (shared_.controls.pat) w(F::kGuestPat, state.pat);
  w(F::kGuestSysenterCs, state.sysenter_cs);
  w(F::kGuestSysenterEsp, state.sysenter_esp);
  w(F::kGuestSysenterEip, state.sysenter_eip);
  w(F::kGuestActivityState, state.activity);
  w(F::kGuestInterruptibility, 0);
  w(F::kGuestPendingDebugExceptions, 0);
  w(F::kEntryInterruptionInfo, state.pending_event);
  w(F::kEntryExceptionErrorCode, state.pending_error_code);
  w(F::kGuestDebugCtl, 0);
  if (!w.ok()) {
    log::error("VT-x: VMWRITE of guest field {:#x} failed", w.failed_field());
    return fail(Error::kState);
  }
  write_segments(state);
  regs_ = state.regs;
  regs_.rflags |= 2;
  pat_ = state.pat;
  unswitched_ = {state.cr2, state.star, state.lstar, state.cstar, state.sfmask, state.kernel_gs_base};
  if (unswitched_owner_ == this) unswitched_owner_ = nullptr;  // rewrite them on entry
  return ok();
}

}  // namespace godwit::x86::vmx
