// One VT-x vCPU: a VMCS bound to an EPT space, the guest GPRs the entry stub switches,
// and the guest registers VMX does not switch (CR2, the SYSCALL MSRs, KERNEL_GS_BASE).
#pragma once

#include <cstdint>

#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/fpu.h"
#include "arch/x86/vmx/page_modification_log.h"
#include "arch/x86/vmx/state_transfer.h"
#include "arch/x86/vmx/vmx_capabilities.h"

namespace godwit::x86::vmx {

// What every vCPU of the backend shares: the CPU's limits, the chosen controls and the
// all-ones I/O and MSR bitmaps (read-only to the CPU, so one copy serves all).
struct VcpuShared {
  VmxCapabilities caps;
  VmcsControls controls;
  uint64_t io_bitmap_a = 0;
  uint64_t io_bitmap_b = 0;
  uint64_t msr_bitmap = 0;
  uint32_t preemption_ticks = 0;  // the timer's start value on every entry
};

class VmxVcpu final : public Vcpu, private PmlFields {
 public:
  VmxVcpu(const VcpuShared& shared, SecondLevelSpace& space, uint16_t vpid)
      : shared_(shared), space_(space), vpid_(vpid) {}
  // Allocates and fills the VMCS (controls and host state). Needs VMX operation.
  Status init();
  // VMCLEARs and frees the VMCS and the PML log page.
  void release();

  VmExit run() override;
  GuestRegisters& registers() override { return soft_.regs; }
  void skip_instruction(const VmExit& exit) override;
  void save(VcpuState& state) override;
  Status load(const VcpuState& state) override;
  // Its page-modification log where the backend uses PML, else write protection.
  DirtyMechanism& dirty_mechanism() override;

 private:
  // PmlFields: the PML index, and logging on or off (the "enable PML" control with EPTP
  // bit 6, which PML requires).
  uint16_t index() override;
  void set_index(uint16_t index) override;
  void set_logging(bool on) override;

  bool make_current();
  VmcsStateLayout layout() const;
  bool write_controls();
  bool write_host_state();
  void switch_in_unswitched();
  void capture_unswitched();
  VmExit entry_failed(int result);
  VmExit finish_exit();
  void requeue_interrupted_event();

  // The VMCS the CPU works on (VMPTRLD is not free under emulation) and the vCPU whose
  // unswitched state is in the real registers. One CPU, so plain statics.
  static inline constinit uint64_t current_vmcs_ = 0;
  static inline constinit VmxVcpu* unswitched_owner_ = nullptr;

  const VcpuShared& shared_;
  SecondLevelSpace& space_;
  uint16_t vpid_;
  uint64_t vmcs_ = 0;
  bool launched_ = false;
  // The GPRs, and the guest state VMX leaves in the real registers: CR2 and the
  // SYSCALL/SWAPGS MSRs. The guest cannot WRMSR (every MSR exits), but it can fault
  // (CR2) and SWAPGS, so the values of the vCPU that ran last stay live until another
  // vCPU runs. Also the guest's PAT when the CPU cannot switch it (never written).
  VmxSoftState soft_;
  GuestFpu fpu_;           // VM entries and exits switch no x87/SSE state
  uint64_t pml_page_ = 0;  // the log page the VMCS's PML address points to, or 0
  PageModificationLog* pml_ = nullptr;
};

}  // namespace godwit::x86::vmx
