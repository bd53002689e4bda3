#include "kernel/vm/cpuid_filter.h"

#include <gtest/gtest.h>

#include "godwit/abi.h"
#include "kernel/vm/cpu_model.h"

namespace godwit::vm {
namespace {

TEST(CpuidFilter, GodwitSignatureLeaves) {
  x86::GuestCpuid model = cpu_model_godwit1();
  auto sig = guest_cpuid_answer(model, abi::kCpuidSignatureLeaf, 0, abi::kInstructionVmmcall);
  EXPECT_EQ(sig.eax, abi::kCpuidInterfaceLeaf);
  char text[13] = {};
  __builtin_memcpy(text, &sig.ebx, 4);
  __builtin_memcpy(text + 4, &sig.ecx, 4);
  __builtin_memcpy(text + 8, &sig.edx, 4);
  EXPECT_STREQ(text, "GodwitGodwit");
  auto iface = guest_cpuid_answer(model, abi::kCpuidInterfaceLeaf, 0, abi::kInstructionVmmcall);
  EXPECT_EQ(iface.eax, (uint32_t{abi::kVersionMajor} << 16) | abi::kVersionMinor);
  EXPECT_EQ(iface.ebx, abi::kInstructionVmmcall);
  EXPECT_EQ(guest_cpuid_answer(model, abi::kCpuidInterfaceLeaf, 0, abi::kInstructionVmcall).ebx,
            abi::kInstructionVmcall);
  EXPECT_EQ(guest_cpuid_answer(model, 0x40000005, 0, 1).eax, 0u);
  EXPECT_TRUE(cpuid_is_synthetic(0x40000000));
  EXPECT_FALSE(cpuid_is_synthetic(0x80000000));
}

TEST(CpuidFilter, EveryOtherLeafComesFromTheModelAlone) {
  x86::GuestCpuid model = cpu_model_godwit1();
  auto leaf1 = guest_cpuid_answer(model, 1, 0, abi::kInstructionVmcall);
  EXPECT_EQ(leaf1.eax, model.entries[1].eax);
  EXPECT_EQ(leaf1.ecx, model.entries[1].ecx);
  EXPECT_EQ(leaf1.edx, model.entries[1].edx);
  EXPECT_EQ(leaf1.ecx & (1u << 5), 0u);                                        // no VMX
  EXPECT_NE(leaf1.ecx & (1u << 31), 0u);                                       // under a hypervisor
  EXPECT_EQ(guest_cpuid_answer(model, 0x80000001, 0, 2).ecx & (1u << 2), 0u);  // no SVM
  // Leaves the model does not list read as zero, whatever the host has.
  auto none = guest_cpuid_answer(model, 7, 0, 1);
  EXPECT_EQ(none.eax | none.ebx | none.ecx | none.edx, 0u);
  EXPECT_EQ(guest_cpuid_answer(model, 0x8000000A, 0, 2).ebx, 0u);
  EXPECT_EQ(guest_cpuid_answer(model, 1, 1, 2).eax, 0u);  // subleaf 1 of leaf 1 is not listed
}

}  // namespace
}  // namespace godwit::vm
