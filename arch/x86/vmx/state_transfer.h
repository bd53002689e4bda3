// VcpuState to and from the VMCS guest-state area (Intel SDM Vol. 3C 25.4 "Guest-State
// Area") and the registers VMX does not switch, as pure functions over a VmcsAccess, so
// the conversion runs on a fake VMCS under GoogleTest (the Bareflank habit) and the
// cross-vendor round trip VMCB -> VcpuState -> VMCS -> VcpuState is unit-tested. The
// hardware VmcsAccess (VMREAD/VMWRITE) and VmxVcpu::save()/load() are in vmx_vcpu.cpp.
#pragma once

#include <cstdint>

#include "arch/x86/vcpu_state.h"
#include "arch/x86/vmx/state_check.h"
#include "arch/x86/vmx/vmcs_fields.h"

namespace godwit::x86::vmx {

// The current VMCS, one field at a time (VMREAD / VMWRITE on hardware).
class VmcsAccess {
 public:
  virtual uint64_t read(VmcsField field) = 0;
  virtual bool write(VmcsField field, uint64_t value) = 0;  // false: VMfail

 protected:
  ~VmcsAccess() = default;
};

// The part of a VMX vCPU's state that is not in the VMCS: the GPRs the entry stub
// switches, with RSP, RIP and RFLAGS (the vCPU's copy is current between an exit and the
// next entry, which writes them to the VMCS), the registers VMX leaves in the CPU (CR2, the SYSCALL MSRs,
// KERNEL_GS_BASE), and the PAT when the CPU cannot switch it.
struct VmxSoftState {
  GuestRegisters regs;
  uint64_t cr2 = 0, star = 0, lstar = 0, cstar = 0, sfmask = 0, kernel_gs_base = 0;
  uint64_t pat = 0;  // used only without the "load IA32_PAT" entry control
};

// How this backend uses the VMCS, fixed when the backend is created.
struct VmcsStateLayout {
  GuestFixedBits fixed;  // CR4.VMXE is forced on in the real CR4, hidden by the shadow
  bool pat_in_vmcs = false;
};

// The guest/host masks write_controls() puts in the VMCS (25.6.6): the bits VMX
// requires in CR0 and CR4 belong to the host, and so do CR0.CD and NW (VM entry never
// loads them; "Loading Guest Control Registers").
uint64_t cr0_guest_host_mask(const GuestFixedBits& fixed);
uint64_t cr4_guest_host_mask(const GuestFixedBits& fixed);

// Writes a state that passed guest_state_problem() into the VMCS guest-state fields and
// `soft`. Returns 0, or the encoding of the first field whose VMWRITE failed.
uint32_t write_vmcs_state(const VcpuState& state, const VmcsStateLayout& layout, VmcsAccess& vmcs,
                          VmxSoftState& soft);

// Reads the VMCS and `soft` into `state` (guest time excepted: the VM layer keeps it).
// Control registers are the guest's view (read shadows for host-owned bits); reserved
// access-rights bits, which the CPU leaves undefined in unusable segments, read as 0.
void read_vmcs_state(VmcsAccess& vmcs, const VmcsStateLayout& layout, const VmxSoftState& soft,
                     VcpuState& state);

}  // namespace godwit::x86::vmx
