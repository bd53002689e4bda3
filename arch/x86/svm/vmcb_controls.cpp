#include "arch/x86/svm/vmcb_controls.h"

namespace godwit::x86::svm {

void set_up_controls(const ControlSetup& setup, VmcbControl& c) {
  c.intercept_misc3 = kGuestIntercepts3;
  c.intercept_misc4 = kGuestIntercepts4;
  // Debug registers are not switched by VMRUN: a guest writing DR0-DR3 would leave its
  // breakpoints to the host and the next guest, so every MOV DR exits (and is denied).
  c.intercept_dr_read = 0xFFFF;
  c.intercept_dr_write = 0xFFFF;
  c.iopm_base_pa = setup.io_permission_map;
  c.msrpm_base_pa = setup.msr_permission_map;
  c.guest_asid = setup.asid;
  c.tlb_control = static_cast<uint8_t>(TlbControl::kNone);
  c.virtual_interrupt = kVIntrMasking;
  c.nested_control = kNpEnable;
  c.nested_cr3 = setup.nested_cr3;
  c.event_injection = 0;
}

}  // namespace godwit::x86::svm
