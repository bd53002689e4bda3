#include "kernel/vm/cpuid_filter.h"

#include "godwit/abi.h"
#include "kernel/vm/cpu_model.h"

namespace godwit::vm {

bool cpuid_is_synthetic(uint32_t leaf) { return (leaf & 0xF000'0000u) == 0x4000'0000u; }

x86::CpuidResult guest_cpuid_answer(const x86::GuestCpuid& model, uint32_t leaf, uint32_t subleaf,
                                    uint32_t hypercall_instruction) {
  if (!cpuid_is_synthetic(leaf)) return model_answer(model, leaf, subleaf);
  if (leaf == abi::kCpuidSignatureLeaf) {
    return {abi::kCpuidInterfaceLeaf, abi::kSignatureEbx, abi::kSignatureEcx, abi::kSignatureEdx};
  }
  if (leaf == abi::kCpuidInterfaceLeaf) {
    return {(uint32_t{abi::kVersionMajor} << 16) | abi::kVersionMinor, hypercall_instruction, 0, 0};
  }
  return {0, 0, 0, 0};
}

}  // namespace godwit::vm
