// What this CPU's VMX allows, read once from the capability MSRs (Intel SDM Vol. 3D
// Appendix A) when the backend is created.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/features.h"
#include "arch/x86/vmx/state_check.h"
#include "arch/x86/vmx/vmcs_controls.h"

namespace godwit::x86::vmx {

struct VmxCapabilities {
  uint32_t revision = 0;  // IA32_VMX_BASIC bits 30:0, the first word of VMXON region and VMCS
  ControlCapabilities controls;
  GuestFixedBits fixed;  // CR0/CR4 in VMX operation, for host and guests alike
  bool invept_single = false;
  bool invept_all = false;
  bool invvpid_all = false;
  // Page-modification logging can track dirty pages: the "enable PML" control may be 1
  // and EPT has accessed/dirty flags, which PML needs (Vol. 3C 29.3.6).
  bool pml = false;
  unsigned preemption_timer_shift = 0;  // the timer counts TSC >> this (IA32_VMX_MISC 4:0)
};

VmxCapabilities read_capabilities(const VmxFeatures& features);

}  // namespace godwit::x86::vmx
