#include "arch/x86/cpu/features.h"

namespace godwit::x86 {

std::string_view vmx_unusable_reason(const VmxFeatures& vmx) {
  if (!vmx.supported) return "the CPU does not offer VT-x (CPUID.1:ECX.VMX is 0)";
  if (vmx.locked_off) return "the firmware locked VT-x off (IA32_FEATURE_CONTROL)";
  if (!vmx.secondary_controls) return "VT-x lacks secondary processor-based controls";
  if (!vmx.ept) return "VT-x lacks EPT (extended page tables)";
  if (!vmx.ept_walk4) return "EPT lacks 4-level page walks";
  if (!vmx.ept_write_back) return "EPT lacks the write-back memory type";
  if (!vmx.invept || !(vmx.invept_single || vmx.invept_all)) return "VT-x lacks INVEPT";
  return {};
}

std::string_view svm_unusable_reason(const SvmFeatures& svm) {
  if (!svm.supported) return "the CPU does not offer AMD-V (CPUID 8000_0001h:ECX.SVM is 0)";
  if (svm.disabled_by_bios) return "the firmware disabled AMD-V (VM_CR.SVMDIS)";
  if (!svm.npt) return "AMD-V lacks nested paging (NPT); with QEMU use -cpu ...,+svm,+npt";
  if (svm.asids < 2) return "AMD-V offers no ASID for guests";
  return {};
}

}  // namespace godwit::x86
