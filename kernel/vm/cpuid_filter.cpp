#include "kernel/vm/cpuid_filter.h"

#include "godwit/abi.h"

namespace godwit::vm {

namespace {

constexpr uint32_t kLeaf1EcxVmx = 1u << 5;
constexpr uint32_t kLeaf1EcxSmx = 1u << 6;
constexpr uint32_t kLeaf1EcxHypervisor = 1u << 31;
constexpr uint32_t kExtLeaf1EcxSvm = 1u << 2;
constexpr uint32_t kSvmLeaf = 0x8000000A;  // SVM revision and features: none for guests

}  // namespace

bool cpuid_is_synthetic(uint32_t leaf) { return (leaf & 0xF000'0000u) == 0x4000'0000u; }

x86::CpuidResult filter_cpuid(uint32_t leaf, const x86::CpuidResult& host, uint32_t hypercall_instruction) {
  if (cpuid_is_synthetic(leaf)) {
    if (leaf == abi::kCpuidSignatureLeaf) {
      return {abi::kCpuidInterfaceLeaf, abi::kSignatureEbx, abi::kSignatureEcx, abi::kSignatureEdx};
    }
    if (leaf == abi::kCpuidInterfaceLeaf) {
      return {(uint32_t{abi::kVersionMajor} << 16) | abi::kVersionMinor, hypercall_instruction, 0, 0};
    }
    return {0, 0, 0, 0};
  }
  x86::CpuidResult r = host;
  if (leaf == 1) r.ecx = (r.ecx & ~(kLeaf1EcxVmx | kLeaf1EcxSmx)) | kLeaf1EcxHypervisor;
  if (leaf == 0x8000'0001u) r.ecx &= ~kExtLeaf1EcxSvm;
  if (leaf == kSvmLeaf) r = {0, 0, 0, 0};
  return r;
}

}  // namespace godwit::vm
