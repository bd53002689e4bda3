#include "kernel/vm/cpuid_filter.h"

#include <gtest/gtest.h>

#include "godwit/abi.h"

namespace godwit::vm {
namespace {

TEST(CpuidFilter, GodwitSignatureLeaves) {
  auto sig = filter_cpuid(abi::kCpuidSignatureLeaf, {}, abi::kInstructionVmmcall);
  EXPECT_EQ(sig.eax, abi::kCpuidInterfaceLeaf);
  char text[13] = {};
  __builtin_memcpy(text, &sig.ebx, 4);
  __builtin_memcpy(text + 4, &sig.ecx, 4);
  __builtin_memcpy(text + 8, &sig.edx, 4);
  EXPECT_STREQ(text, "GodwitGodwit");
  auto iface = filter_cpuid(abi::kCpuidInterfaceLeaf, {}, abi::kInstructionVmmcall);
  EXPECT_EQ(iface.eax, (uint32_t{abi::kVersionMajor} << 16) | abi::kVersionMinor);
  EXPECT_EQ(iface.ebx, abi::kInstructionVmmcall);
  EXPECT_EQ(filter_cpuid(0x40000005, {1, 2, 3, 4}, 1).eax, 0u);
}

TEST(CpuidFilter, HidesVirtualizationAndAnnouncesHypervisor) {
  auto leaf1 = filter_cpuid(1, {0x806e9, 0, 0x7ffafbbf, 0xbfebfbff}, 1);
  EXPECT_EQ(leaf1.ecx & (1u << 5), 0u);
  EXPECT_NE(leaf1.ecx & (1u << 31), 0u);
  EXPECT_EQ(leaf1.edx, 0xbfebfbffu);
  auto ext = filter_cpuid(0x80000001, {0, 0, 0xffffffff, 0}, 2);
  EXPECT_EQ(ext.ecx & (1u << 2), 0u);
  EXPECT_EQ(filter_cpuid(0x8000000A, {1, 16, 0, 0xff}, 2).ebx, 0u);
  EXPECT_TRUE(cpuid_is_synthetic(0x40000000));
  EXPECT_FALSE(cpuid_is_synthetic(0x80000000));
}

}  // namespace
}  // namespace godwit::vm
