// Guests' x87/SSE state across guest switches. The hypervisor itself never touches that
// state (it is built -mgeneral-regs-only, lwIP and BearSSL too), so after a VM exit the
// registers still hold the guest's values and nothing has to be saved on every exit:
// the state is switched lazily, only when a different vCPU enters (as VT-x's
// "unswitched" MSRs are in vmx_vcpu.cpp). FXSAVE64/FXRSTOR64, not XSAVE: guests are
// offered x87 and SSE only (no XSAVE in the CPU model, XSETBV exits on both backends),
// and that area is what a migration carries (docs/decisions/0019-guest-fpu-state.md).
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/cpu/features.h"
#include "arch/x86/vcpu_state.h"
#include "lib/expected.h"

namespace godwit::x86 {

// Makes FXSAVE/FXRSTOR usable and complete in the host: CR0.MP set, EM and TS clear;
// CR4.OSFXSR and OSXMMEXCPT set (without OSFXSR, FXSAVE may skip the XMM registers:
// SDM Vol. 2A FXSAVE); EFER.FFXSR clear (AMD's fast FXSAVE skips them at CPL 0 in
// 64-bit mode: APM Vol. 2 3.1.7). Reads MXCSR_MASK (SDM Vol. 1 11.6.6). kUnsupported
// when the CPU lacks FXSR, SSE or SSE2. Called once, before any vCPU is created.
Status enable_guest_fpu(const CpuFeatures& cpu);

// The bits this CPU allows in MXCSR (0xFFBF when FXSAVE reported 0, as the SDM says).
uint32_t mxcsr_mask();

// One vCPU's x87/SSE state, in the CPU while that vCPU is the last one that entered.
class GuestFpu {
 public:
  GuestFpu() = default;  // the reset state (FpuState's defaults)
  GuestFpu(const GuestFpu&) = delete;
  GuestFpu& operator=(const GuestFpu&) = delete;
  ~GuestFpu();

  // Before entering the guest: saves the previous owner's registers into its area and
  // loads this one's, unless this vCPU's are already in the CPU.
  void switch_in();
  // The current state (saved from the CPU first if it lives there).
  void save(FpuState& out);
  // Empty when load(state) cannot fault on this CPU; otherwise one sentence.
  static std::string_view problem(const FpuState& state);
  // Replaces the state; the caller checked it with problem(). Loaded on the next entry.
  void load(const FpuState& state);

 private:
  alignas(16) FxsaveArea area_;
  static inline constinit GuestFpu* live_ = nullptr;  // whose registers the CPU holds; nullptr = nobody's
};

}  // namespace godwit::x86
