// One AMD-V virtual CPU: its VMCB (one frame), its ASID and its share of the TLB flush
// bookkeeping. The VMCB holds RAX, RSP, RIP and RFLAGS; GuestRegisters is the copy exit
// handlers see, synced after every exit and written back before every entry.
#pragma once

#include <cstdint>

#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/fpu.h"
#include "arch/x86/paging/write_protection.h"
#include "arch/x86/svm/npt_space.h"
#include "arch/x86/svm/state_transfer.h"
#include "arch/x86/svm/tlb_flush.h"
#include "arch/x86/svm/vmcb.h"

namespace godwit::x86::svm {

// What every vCPU of the backend shares.
struct VcpuShared {
  uint64_t io_permission_map = 0;   // 12 KiB, all ones: every port exits
  uint64_t msr_permission_map = 0;  // 8 KiB, all ones: every MSR exits
  uint64_t host_state = 0;          // VMSAVE area for the host's unswitched state
  bool nrip_save = false;
  bool flush_by_asid = false;
  GuestLimits limits;
};

class SvmVcpu final : public Vcpu {
 public:
  // `vmcb` is a zeroed frame owned by the vCPU from now on.
  SvmVcpu(Vmcb* vmcb, uint32_t asid, NptSpace& space, const VcpuShared& shared);
  SvmVcpu(const SvmVcpu&) = delete;
  SvmVcpu& operator=(const SvmVcpu&) = delete;
  ~SvmVcpu() = default;

  VmExit run() override;
  GuestRegisters& registers() override { return regs_; }
  void skip_instruction(const VmExit& exit) override;
  void save(VcpuState& state) override;
  Status load(const VcpuState& state) override;
  // Write protection: no hardware log to drain (svm_backend.cpp).
  DirtyMechanism& dirty_mechanism() override { return write_protection(); }

  Vmcb* vmcb() const { return vmcb_; }
  uint32_t asid() const { return asid_; }

 private:
  VmExit decode(uint64_t rip_at_exit);

  Vmcb* vmcb_;
  uint32_t asid_;
  const VcpuShared& shared_;
  AsidTlbTracker tlb_;
  GuestRegisters regs_;
  GuestFpu fpu_;         // VMRUN switches no x87/SSE state (APM Vol. 2 15.5.1)
  bool halted_ = false;  // skipped past HLT and not run since (VcpuState::activity)
};

}  // namespace godwit::x86::svm
