#include "arch/x86/svm/segment_attributes.h"

#include <gtest/gtest.h>

namespace godwit::x86::svm {
namespace {

// 64-bit code: type 0xB (execute/read, accessed), S, DPL 0, P, L, G.
constexpr uint32_t kVmxCode64 = 0xB | (1u << 4) | (1u << 7) | (1u << 13) | (1u << 15);
constexpr uint16_t kSvmCode64 = 0xB | (1u << 4) | (1u << 7) | (1u << 9) | (1u << 11);

TEST(SegmentAttributes, CodeSegmentBothWays) {
  EXPECT_EQ(to_vmcb_attributes(kVmxCode64), kSvmCode64);
  EXPECT_EQ(to_vmx_access_rights(kSvmCode64), kVmxCode64);
}

TEST(SegmentAttributes, DplAvlAndDefaultSizeMove) {
  // Data segment, DPL 3, AVL, D/B.
  uint32_t vmx = 0x3 | (1u << 4) | (3u << 5) | (1u << 7) | (1u << 12) | (1u << 14);
  uint16_t svm = 0x3 | (1u << 4) | (3u << 5) | (1u << 7) | (1u << 8) | (1u << 10);
  EXPECT_EQ(to_vmcb_attributes(vmx), svm);
  EXPECT_EQ(to_vmx_access_rights(svm), vmx);
}

TEST(SegmentAttributes, UnusableBecomesNotPresent) {
  uint32_t vmx = 0x3 | (1u << 4) | (1u << 7) | kVmxUnusable;
  EXPECT_EQ(to_vmcb_attributes(vmx) & kSvmPresent, 0);
  EXPECT_EQ(to_vmcb_attributes(kVmxUnusable), 0);
}

TEST(SegmentAttributes, NotPresentBecomesUnusable) {
  EXPECT_EQ(to_vmx_access_rights(0), kVmxUnusable);
  EXPECT_NE(to_vmx_access_rights(0x3 | (1u << 4)) & kVmxUnusable, 0u);
  EXPECT_EQ(to_vmx_access_rights(kSvmCode64) & kVmxUnusable, 0u);
}

TEST(SegmentAttributes, BusyTssRoundTrips) {
  uint32_t vmx = 0xB | (1u << 7);  // 64-bit busy TSS, system segment
  EXPECT_EQ(to_vmx_access_rights(to_vmcb_attributes(vmx)), vmx);
}

TEST(SegmentAttributes, EveryUsableVmxValueRoundTrips) {
  // Every combination of the defined bits (reserved bits 11:8 left clear) with P set.
  for (uint32_t low = 0x80; low <= 0xFF; ++low) {
    for (uint32_t high = 0; high < 16; ++high) {
      uint32_t vmx = low | (high << 12);
      ASSERT_EQ(to_vmx_access_rights(to_vmcb_attributes(vmx)), vmx) << vmx;
    }
  }
}

TEST(SegmentAttributes, EveryVmcbValueRoundTrips) {
  for (uint32_t svm = 0; svm < 0x1000; ++svm) {
    ASSERT_EQ(to_vmcb_attributes(to_vmx_access_rights(static_cast<uint16_t>(svm))), svm) << svm;
  }
}

}  // namespace
}  // namespace godwit::x86::svm
