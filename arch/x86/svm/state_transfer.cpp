#include "arch/x86/svm/state_transfer.h"

#include "arch/x86/svm/segment_attributes.h"

namespace godwit::x86::svm {
namespace {

constexpr uint64_t kDr6Init = 0xFFFF'0FF0;  // DR6's architectural reset value
constexpr uint32_t kVmxEventValid = 1u << 31, kVmxErrorCodeValid = 1u << 11;
constexpr unsigned kDplShift = 5;

VmcbSegment to_vmcb(const SegmentState& s) {
  return {s.selector, to_vmcb_attributes(s.attributes), s.limit, s.base};
}

SegmentState from_vmcb(const VmcbSegment& s) {
  SegmentState out;
  out.selector = s.selector;
  out.attributes = to_vmx_access_rights(s.attributes);
  out.limit = s.limit;
  out.base = s.base;
  return out;
}

// VT-x reads the CPL from SS.DPL; the VMCB keeps it apart (APM 15.5.1).
uint8_t cpl_of(const VcpuState& s) {
  if (!(s.cr0 & kCr0Pe)) return 0;
  if (s.regs.rflags & kRflagsVm) return 3;
  return static_cast<uint8_t>((s.ss.attributes >> kDplShift) & 3);
}

void write_segments(const VcpuState& s, VmcbState& v) {
  v.es = to_vmcb(s.es);
  v.cs = to_vmcb(s.cs);
  v.ss = to_vmcb(s.ss);
  v.ds = to_vmcb(s.ds);
  v.fs = to_vmcb(s.fs);
  v.gs = to_vmcb(s.gs);
  v.ldtr = to_vmcb(s.ldtr);
  v.tr = to_vmcb(s.tr);
  v.gdtr = {0, 0, s.gdtr.limit, s.gdtr.base};
  v.idtr = {0, 0, s.idtr.limit, s.idtr.base};
  v.cpl = cpl_of(s);
}

void read_segments(const VmcbState& v, VcpuState& s) {
  s.es = from_vmcb(v.es);
  s.cs = from_vmcb(v.cs);
  s.ss = from_vmcb(v.ss);
  s.ds = from_vmcb(v.ds);
  s.fs = from_vmcb(v.fs);
  s.gs = from_vmcb(v.gs);
  s.ldtr = from_vmcb(v.ldtr);
  s.tr = from_vmcb(v.tr);
  s.gdtr = {v.gdtr.base, v.gdtr.limit, 0};
  s.idtr = {v.idtr.base, v.idtr.limit, 0};
  // Keep the VMX invariant SS.DPL == CPL.
  s.ss.attributes = (s.ss.attributes & ~(3u << kDplShift)) | (uint32_t{v.cpl & 3u} << kDplShift);
}

}  // namespace

uint64_t event_injection_after_exit(uint64_t exit_int_info) {
  return (exit_int_info & event::kValid) ? exit_int_info : 0;
}

uint64_t to_event_injection(uint32_t vmx_event, uint32_t error_code) {
  if (!(vmx_event & kVmxEventValid)) return 0;
  uint64_t type = (vmx_event >> 8) & 7;
  // VT-x's privileged and ordinary software exceptions (INT1, INT3, INTO) are plain
  // exceptions to AMD-V.
  if (type == 5 || type == 6) type = event::kTypeException;
  uint64_t injection = (vmx_event & 0xFF) | (type << event::kTypeShift) | event::kValid;
  if (vmx_event & kVmxErrorCodeValid) {
    injection |= event::kErrorCodeValid | (uint64_t{error_code} << 32);
  }
  return injection;
}

void from_event_injection(uint64_t injection, uint32_t& vmx_event, uint32_t& error_code) {
  vmx_event = 0;
  error_code = 0;
  if (!(injection & event::kValid)) return;
  vmx_event = static_cast<uint32_t>(injection & 0x7FF) | kVmxEventValid;
  if (injection & event::kErrorCodeValid) {
    vmx_event |= kVmxErrorCodeValid;
    error_code = static_cast<uint32_t>(injection >> 32);
  }
}

void write_vmcb_state(const VcpuState& s, Vmcb& vmcb) {
  VmcbState& v = vmcb.state;
  write_segments(s, v);
  v.efer = s.efer | kEferSvme;
  v.cr0 = s.cr0;
  v.cr2 = s.cr2;
  v.cr3 = s.cr3;
  v.cr4 = s.cr4;
  v.dr7 = s.dr7;
  v.dr6 = kDr6Init;
  v.rflags = s.regs.rflags;
  v.rip = s.regs.rip;
  v.rsp = s.regs.gpr[kRsp];
  v.rax = s.regs.gpr[kRax];
  v.star = s.star;
  v.lstar = s.lstar;
  v.cstar = s.cstar;
  v.sfmask = s.sfmask;
  v.kernel_gs_base = s.kernel_gs_base;
  v.sysenter_cs = s.sysenter_cs;
  v.sysenter_esp = s.sysenter_esp;
  v.sysenter_eip = s.sysenter_eip;
  v.g_pat = s.pat;
  vmcb.control.event_injection = to_event_injection(s.pending_event, s.pending_error_code);
  vmcb.control.interrupt_shadow = 0;
}

void read_vmcb_state(const Vmcb& vmcb, VcpuState& s) {
  const VmcbState& v = vmcb.state;
  s.regs.rflags = v.rflags;
  s.regs.rip = v.rip;
  s.regs.gpr[kRsp] = v.rsp;
  s.regs.gpr[kRax] = v.rax;
  read_segments(v, s);
  s.efer = v.efer & ~kEferSvme;
  s.cr0 = v.cr0;
  s.cr2 = v.cr2;
  s.cr3 = v.cr3;
  s.cr4 = v.cr4;
  s.dr7 = v.dr7;
  s.star = v.star;
  s.lstar = v.lstar;
  s.cstar = v.cstar;
  s.sfmask = v.sfmask;
  s.kernel_gs_base = v.kernel_gs_base;
  s.sysenter_cs = v.sysenter_cs;
  s.sysenter_esp = v.sysenter_esp;
  s.sysenter_eip = v.sysenter_eip;
  s.pat = v.g_pat;
  from_event_injection(vmcb.control.event_injection, s.pending_event, s.pending_error_code);
}

}  // namespace godwit::x86::svm
