#include "arch/x86/cpu/features.h"

#include <cstring>

#include "arch/x86/cpu/intrinsics.h"

namespace godwit::x86 {

namespace {

// Intel SDM Vol. 3D Appendix A (VMX capability reporting); Vol. 4 for MSR numbers.
constexpr uint32_t kMsrFeatureControl = 0x3A;
constexpr uint32_t kMsrVmxBasic = 0x480;
constexpr uint32_t kMsrVmxPinbased = 0x481;
constexpr uint32_t kMsrVmxProcbased = 0x482;
constexpr uint32_t kMsrVmxProcbased2 = 0x48B;
constexpr uint32_t kMsrVmxEptVpidCap = 0x48C;
constexpr uint32_t kMsrVmxTruePinbased = 0x48D;
constexpr uint32_t kMsrVmxTrueProcbased = 0x48E;
// AMD APM Vol. 2, 15.30.1 "VM_CR MSR".
constexpr uint32_t kMsrVmCr = 0xC0010114;

bool bit(uint64_t value, unsigned n) { return (value >> n) & 1; }

void copy_register_text(char* out, std::initializer_list<uint32_t> words) {
  for (uint32_t word : words) {
    std::memcpy(out, &word, 4);
    out += 4;
  }
}

void detect_vmx(VmxFeatures& vmx) {
  vmx.supported = bit(cpuid(1).ecx, 5);
  if (!vmx.supported) return;
  uint64_t control = rdmsr(kMsrFeatureControl);
  vmx.locked_off = bit(control, 0) && !bit(control, 2);
  uint64_t basic = rdmsr(kMsrVmxBasic);
  vmx.true_controls = bit(basic, 55);
  // Allowed-1 settings are the high 32 bits of each control MSR (Appendix A.3).
  uint64_t pin = rdmsr(vmx.true_controls ? kMsrVmxTruePinbased : kMsrVmxPinbased);
  vmx.preemption_timer = bit(pin, 32 + 6);
  uint64_t proc = rdmsr(vmx.true_controls ? kMsrVmxTrueProcbased : kMsrVmxProcbased);
  vmx.secondary_controls = bit(proc, 32 + 31);
  if (!vmx.secondary_controls) return;
  uint64_t proc2 = rdmsr(kMsrVmxProcbased2);
  vmx.ept = bit(proc2, 32 + 1);
  vmx.vpid = bit(proc2, 32 + 5);
  vmx.unrestricted_guest = bit(proc2, 32 + 7);
  vmx.pml = bit(proc2, 32 + 17);
  if (!vmx.ept && !vmx.vpid) return;
  uint64_t cap = rdmsr(kMsrVmxEptVpidCap);
  vmx.ept_walk4 = bit(cap, 6);
  vmx.ept_write_back = bit(cap, 14);
  vmx.ept_2m = bit(cap, 16);
  vmx.invept = bit(cap, 20);
  vmx.ept_ad = bit(cap, 21);
  vmx.invept_single = bit(cap, 25);
  vmx.invept_all = bit(cap, 26);
}

void detect_svm(SvmFeatures& svm) {
  if (cpuid(0x80000000).eax < 0x8000000A) return;
  svm.supported = bit(cpuid(0x80000001).ecx, 2);
  if (!svm.supported) return;
  svm.disabled_by_bios = bit(rdmsr(kMsrVmCr), 4);
  CpuidResult r = cpuid(0x8000000A);
  svm.asids = r.ebx;
  svm.npt = bit(r.edx, 0);
  svm.nrip_save = bit(r.edx, 3);
  svm.vmcb_clean = bit(r.edx, 5);
  svm.flush_by_asid = bit(r.edx, 6);
  svm.decode_assists = bit(r.edx, 7);
}

}  // namespace

unsigned host_physical_address_bits() {
  if (cpuid(0x80000000).eax < 0x80000008) return 36;
  return cpuid(0x80000008).eax & 0xFF;
}

CpuFeatures detect_cpu_features() {
  CpuFeatures f;
  CpuidResult leaf0 = cpuid(0);
  copy_register_text(f.vendor, {leaf0.ebx, leaf0.edx, leaf0.ecx});
  f.intel = std::strcmp(f.vendor, "GenuineIntel") == 0;
  f.amd = std::strcmp(f.vendor, "AuthenticAMD") == 0;
  uint32_t max_extended = cpuid(0x80000000).eax;
  if (max_extended >= 0x80000004) {
    for (uint32_t i = 0; i < 3; ++i) {
      CpuidResult r = cpuid(0x80000002 + i);
      copy_register_text(f.brand + size_t{16} * i, {r.eax, r.ebx, r.ecx, r.edx});
    }
  }
  if (max_extended >= 0x80000007) f.invariant_tsc = bit(cpuid(0x80000007).edx, 8);
  f.under_hypervisor = bit(cpuid(1).ecx, 31);
  if (f.under_hypervisor) {
    CpuidResult r = cpuid(0x40000000);
    copy_register_text(f.hypervisor, {r.ebx, r.ecx, r.edx});
  }
  detect_vmx(f.vmx);
  detect_svm(f.svm);
  return f;
}

}  // namespace godwit::x86
