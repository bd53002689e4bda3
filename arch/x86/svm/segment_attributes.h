// Segment attributes between the VMX access-rights layout that VcpuState uses
// (type[3:0] S[4] DPL[6:5] P[7] AVL[12] L[13] D/B[14] G[15] unusable[16]; Intel SDM
// Vol. 3C 25.4.1) and the VMCB's packed 12-bit form (APM Vol. 2 15.5.1: descriptor bits
// 47:40 in attribute bits 7:0, descriptor bits 55:52 in attribute bits 11:8).
//
// How the two backends differ here:
// - AMD-V has no "unusable" bit: a segment register that holds nothing usable has P=0.
//   So unusable maps to P=0 (the other bits kept), and P=0 maps back to unusable.
// - VT-x takes the CPL from SS.DPL; the VMCB has its own CPL byte (kept equal to SS.DPL
//   by the state conversion).
// - 64-bit code needs CS.L=1 with CS.D=0 on both; VT-x checks it at VM entry, AMD-V's
//   VMRUN only in long mode with CR4.PAE, and QEMU 7.2's software SVM refuses VMRUN with
//   L and D both set, so load() rejects that combination itself.
// Pure code, unit-tested both ways.
#pragma once

#include <cstdint>

namespace godwit::x86::svm {

inline constexpr uint32_t kVmxUnusable = 1u << 16;
inline constexpr uint16_t kSvmPresent = 1u << 7;
inline constexpr uint16_t kSvmLong = 1u << 9;
inline constexpr uint16_t kSvmDefaultBig = 1u << 10;

uint16_t to_vmcb_attributes(uint32_t vmx_access_rights);
uint32_t to_vmx_access_rights(uint16_t vmcb_attributes);

}  // namespace godwit::x86::svm
