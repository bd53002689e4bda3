#include "arch/x86/vmx/vmx_capabilities.h"

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/vmx/vmx_controls.h"

namespace godwit::x86::vmx {

VmxCapabilities read_capabilities(const VmxFeatures& features) {
  VmxCapabilities caps;
  caps.revision = static_cast<uint32_t>(rdmsr(kMsrVmxBasic)) & 0x7FFF'FFFF;
  // The TRUE_ MSRs (A.2) may allow 0 for "default1" controls the old ones force to 1.
  bool t = features.true_controls;
  caps.controls.pin = rdmsr(t ? kMsrVmxTruePinbasedCtls : kMsrVmxPinbasedCtls);
  caps.controls.primary = rdmsr(t ? kMsrVmxTrueProcbasedCtls : kMsrVmxProcbasedCtls);
  caps.controls.secondary = features.secondary_controls ? rdmsr(kMsrVmxProcbasedCtls2) : 0;
  caps.controls.exit = rdmsr(t ? kMsrVmxTrueExitCtls : kMsrVmxExitCtls);
  caps.controls.entry = rdmsr(t ? kMsrVmxTrueEntryCtls : kMsrVmxEntryCtls);
  caps.fixed.cr0 = {rdmsr(kMsrVmxCr0Fixed0), rdmsr(kMsrVmxCr0Fixed1)};
  caps.fixed.cr4 = {rdmsr(kMsrVmxCr4Fixed0), rdmsr(kMsrVmxCr4Fixed1)};
  caps.fixed.physical_address_bits = host_physical_address_bits();
  caps.preemption_timer_shift = static_cast<unsigned>(rdmsr(kMsrVmxMisc) & 0x1F);
  caps.invept_single = features.invept && features.invept_single;
  caps.invept_all = features.invept && features.invept_all;
  caps.pml = features.pml && features.ept_ad && ((caps.controls.secondary >> 32) & proc2::kEnablePml) != 0;
  if (features.vpid) {
    uint64_t cap = rdmsr(kMsrVmxEptVpidCap);
    caps.invvpid_all = ((cap >> kCapInvvpid) & 1) && ((cap >> kCapInvvpidAllContext) & 1);
  }
  return caps;
}

}  // namespace godwit::x86::vmx
