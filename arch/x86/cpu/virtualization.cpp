#include "arch/x86/cpu/virtualization.h"

namespace godwit::x86 {

namespace {

std::string_view yes_no(bool value) { return value ? "yes" : "no"; }

}  // namespace

bool virtualization_usable(const CpuFeatures& cpu) {
  return vmx_unusable_reason(cpu.vmx).empty() || svm_unusable_reason(cpu.svm).empty();
}

void summarize_virtualization(Sink& out, const CpuFeatures& cpu) {
  std::string_view vmx = vmx_unusable_reason(cpu.vmx);
  std::string_view svm = svm_unusable_reason(cpu.svm);
  if (!vmx.empty() && !svm.empty()) {
    format(out, "no usable virtualization: VT-x: {}; AMD-V: {}", vmx, svm);
    return;
  }
  if (vmx.empty()) format(out, "VT-x with EPT available{}", cpu.vmx.pml ? " (and PML)" : "");
  if (vmx.empty() && svm.empty()) format(out, "; ");
  if (svm.empty()) format(out, "AMD-V with NPT available ({} ASIDs)", cpu.svm.asids);
}

void describe_virtualization(Sink& out, const CpuFeatures& cpu) {
  const VmxFeatures& vmx = cpu.vmx;
  if (std::string_view why = vmx_unusable_reason(vmx); !why.empty()) {
    format(out, "  VT-x:     unusable: {}\n", why);
  } else {
    format(out,
           "  VT-x:     usable: EPT yes (4-level, write-back), 2M pages {}, A/D {}, VPID {},"
           " PML {}, preemption timer {}, unrestricted guest {}\n",
           yes_no(vmx.ept_2m), yes_no(vmx.ept_ad), yes_no(vmx.vpid), yes_no(vmx.pml),
           yes_no(vmx.preemption_timer), yes_no(vmx.unrestricted_guest));
  }
  const SvmFeatures& svm = cpu.svm;
  if (std::string_view why = svm_unusable_reason(svm); !why.empty()) {
    format(out, "  AMD-V:    unusable: {}\n", why);
  } else {
    format(out,
           "  AMD-V:    usable: NPT yes, {} ASIDs, next-RIP save {}, VMCB clean bits {},"
           " flush by ASID {}, decode assists {}\n",
           svm.asids, yes_no(svm.nrip_save), yes_no(svm.vmcb_clean), yes_no(svm.flush_by_asid),
           yes_no(svm.decode_assists));
  }
}

size_t virtualization_feature_names(const CpuFeatures& cpu, std::span<std::string_view> names) {
  size_t count = 0;
  auto add = [&](std::string_view name) {
    if (count < names.size()) names[count++] = name;
  };
  if (vmx_unusable_reason(cpu.vmx).empty()) {
    add("vmx");
    add("ept");
    if (cpu.vmx.pml) add("pml");
  }
  if (svm_unusable_reason(cpu.svm).empty()) {
    add("svm");
    add("npt");
  }
  return count;
}

}  // namespace godwit::x86
