#include "arch/x86/svm/svm_vcpu.h"

#include "arch/x86/svm/exit_code.h"
#include "arch/x86/svm/exit_decoder.h"
#include "arch/x86/svm/vmcb_controls.h"
#include "kernel/console/log.h"

extern "C" void svm_enter_guest(godwit::x86::GuestRegisters* regs, uint64_t vmcb_pa, uint64_t host_state_pa);

namespace godwit::x86::svm {
namespace {

uint64_t physical(const void* p) { return reinterpret_cast<uint64_t>(p); }  // identity-mapped

}  // namespace

SvmVcpu::SvmVcpu(Vmcb* vmcb, uint32_t asid, NptSpace& space, const VcpuShared& shared)
    : vmcb_(vmcb), asid_(asid), shared_(shared), tlb_(space.flush_epoch(), shared.flush_by_asid) {
  ControlSetup setup{asid, shared.io_permission_map, shared.msr_permission_map, space.root()};
  set_up_controls(setup, vmcb_->control);
}

VmExit SvmVcpu::run() {
  VmcbState& s = vmcb_->state;
  s.rax = regs_.gpr[kRax];
  s.rsp = regs_.gpr[kRsp];
  s.rip = regs_.rip;
  s.rflags = regs_.rflags;
  halted_ = false;

  tlb_.before_entry(vmcb_->control);
  uint64_t rip_before = s.rip;
  fpu_.switch_in();
  svm_enter_guest(&regs_, physical(vmcb_), shared_.host_state);
  tlb_.after_entry(vmcb_->control);

  regs_.gpr[kRax] = s.rax;
  regs_.gpr[kRsp] = s.rsp;
  regs_.rip = s.rip;
  regs_.rflags = s.rflags;
  return decode(rip_before);
}

VmExit SvmVcpu::decode(uint64_t rip_before) {
  VmcbControl& c = vmcb_->control;
  ExitRecord record{c.exit_code, c.exit_info1, c.exit_info2, regs_.rip, c.next_rip, shared_.nrip_save};
  VmExit exit = decode_exit(record);
  if (exit.kind == ExitKind::kInvalidState) {
    // QEMU 7.2 also ends a run this way when the guest sets a reserved CR4 bit (a
    // spurious exit to the saved host state instead of #GP), so the message names both.
    log::error(
        "AMD-V: VMEXIT_INVALID (entered at RIP {:#x}): VMRUN refused the VMCB state or "
        "controls (APM Vol. 2 15.5.1), or under QEMU 7.2 the guest set a reserved CR4 bit",
        rip_before);
    return exit;
  }
  c.event_injection = event_injection_after_exit(c.exit_int_info);
  if (exit.kind == ExitKind::kMsr) exit.msr = static_cast<uint32_t>(regs_.gpr[kRcx]);
  return exit;
}

void SvmVcpu::skip_instruction(const VmExit& exit) {
  regs_.rip += exit.instruction_length;
  if (exit.kind == ExitKind::kHlt) halted_ = true;
  // The skipped instruction ends any STI/MOV SS interrupt shadow (APM 15.21.5).
  vmcb_->control.interrupt_shadow = 0;
}

void SvmVcpu::save(VcpuState& state) {
  vmcb_->state.rax = regs_.gpr[kRax];
  vmcb_->state.rsp = regs_.gpr[kRsp];
  vmcb_->state.rip = regs_.rip;
  vmcb_->state.rflags = regs_.rflags;
  state.regs = regs_;
  read_vmcb_state(*vmcb_, state);
  fpu_.save(state.fpu);
  state.activity = halted_ ? 1 : 0;
}

Status SvmVcpu::load(const VcpuState& state) {
  std::string_view reason = state_rejection(state, shared_.limits);
  if (reason.empty()) reason = GuestFpu::problem(state.fpu);
  if (!reason.empty()) {
    log::error("AMD-V: vCPU state rejected: {}", reason);
    return fail(Error::kInvalidArgument);
  }
  write_vmcb_state(state, *vmcb_);
  fpu_.load(state.fpu);
  regs_ = state.regs;
  halted_ = state.activity == 1;
  return ok();
}

}  // namespace godwit::x86::svm
