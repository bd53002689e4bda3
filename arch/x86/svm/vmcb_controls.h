// The control area every Godwit vCPU starts with (APM Vol. 2 Appendix B, Table B-1):
// which guest actions exit, which ASID tags its TLB entries, and its nested page tables.
// Pure code, unit-tested: a missing intercept here is a hole in guest isolation.
#pragma once

#include <cstdint>

#include "arch/x86/svm/vmcb.h"

namespace godwit::x86::svm {

struct ControlSetup {
  uint32_t asid = 0;                // 1 .. asids-1
  uint64_t io_permission_map = 0;   // physical address of 12 KiB of ones
  uint64_t msr_permission_map = 0;  // physical address of 8 KiB of ones
  uint64_t nested_cr3 = 0;          // NPT root
};

// Exits Godwit takes (intercept vectors 3 and 4). VMRUN must be intercepted or VMRUN
// fails; the other SVM instructions would let a guest reach host state or the GIF.
inline constexpr uint32_t kGuestIntercepts3 =
    intercept3::kIntr | intercept3::kNmi | intercept3::kCpuid | intercept3::kInvd | intercept3::kHlt |
    intercept3::kInvlpga | intercept3::kIoioProt | intercept3::kMsrProt | intercept3::kShutdown;
inline constexpr uint32_t kGuestIntercepts4 = intercept4::kVmrun | intercept4::kVmmcall |
                                              intercept4::kVmload | intercept4::kVmsave | intercept4::kStgi |
                                              intercept4::kClgi | intercept4::kSkinit | intercept4::kXsetbv;

// Writes the control area of a fresh (zeroed) VMCB.
void set_up_controls(const ControlSetup& setup, VmcbControl& control);

}  // namespace godwit::x86::svm
