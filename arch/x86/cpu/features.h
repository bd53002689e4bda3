// What the CPU offers for virtualization, read once at boot from CPUID and the VMX
// capability MSRs, and why a backend cannot start when something is missing.
#pragma once

#include <cstdint>
#include <string_view>

namespace godwit::x86 {

struct VmxFeatures {
  bool supported = false;           // CPUID.1:ECX.VMX[bit 5]
  bool locked_off = false;          // IA32_FEATURE_CONTROL locked without VMX outside SMX
  bool true_controls = false;       // IA32_VMX_BASIC bit 55
  bool secondary_controls = false;  // primary processor-based control bit 31 may be 1
  bool ept = false;                 // secondary control bit 1
  bool ept_walk4 = false;           // IA32_VMX_EPT_VPID_CAP bit 6
  bool ept_write_back = false;      // bit 14
  bool ept_2m = false;              // bit 16
  bool ept_ad = false;              // bit 21
  bool invept = false;              // bit 20
  bool invept_single = false;       // bit 25
  bool invept_all = false;          // bit 26
  bool vpid = false;                // secondary control bit 5
  bool unrestricted_guest = false;  // secondary control bit 7
  bool pml = false;                 // secondary control bit 17
  bool preemption_timer = false;    // pin-based control bit 6
};

struct SvmFeatures {
  bool supported = false;         // CPUID 8000_0001h:ECX.SVM[bit 2]
  bool disabled_by_bios = false;  // VM_CR.SVMDIS[bit 4]
  bool npt = false;               // CPUID 8000_000Ah:EDX bit 0
  bool nrip_save = false;         // bit 3
  bool vmcb_clean = false;        // bit 5
  bool flush_by_asid = false;     // bit 6
  bool decode_assists = false;    // bit 7
  uint32_t asids = 0;             // EBX
};

struct CpuFeatures {
  char vendor[13] = {};
  char brand[49] = {};
  bool intel = false;
  bool amd = false;
  bool under_hypervisor = false;  // CPUID.1:ECX bit 31
  char hypervisor[13] = {};       // CPUID 4000_0000h signature when under one
  bool invariant_tsc = false;
  VmxFeatures vmx;
  SvmFeatures svm;
};

// Reads CPUID and, only where CPUID says they exist, the capability MSRs.
CpuFeatures detect_cpu_features();

// MAXPHYADDR (CPUID 0x80000008 EAX[7:0]; 36 where the leaf is missing, SDM Vol. 3A
// 4.1.4): a guest CR3 may not set bits at or above it.
unsigned host_physical_address_bits();

// Empty when the backend can run; otherwise one sentence saying what is missing.
std::string_view vmx_unusable_reason(const VmxFeatures& vmx);
std::string_view svm_unusable_reason(const SvmFeatures& svm);

}  // namespace godwit::x86
