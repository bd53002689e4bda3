#include "guests/cpuid/report.h"

#include <gtest/gtest.h>

namespace godwit::guest::cpuid {
namespace {

TEST(CpuidReport, HexIsFixedWidth) {
  EXPECT_STREQ(hex32(0).text, "0x00000000");
  EXPECT_STREQ(hex32(0x8000'0008).text, "0x80000008");
  EXPECT_STREQ(hex32(0xABCDEF).text, "0x00abcdef");
  EXPECT_STREQ(hex64(0x1234).text, "0x0000000000001234");
  EXPECT_STREQ(hex64(~0ull).text, "0xffffffffffffffff");
}

TEST(CpuidReport, LeafRangesAreBounded) {
  EXPECT_EQ(last_basic(1), 1u);
  EXPECT_EQ(last_basic(0x16), 0x16u);
  EXPECT_EQ(last_basic(0xFFFF), kBasicCap);
  EXPECT_FALSE(has_extended(0));
  EXPECT_FALSE(has_extended(0x16));  // an Intel CPU without the range repeats a basic leaf
  EXPECT_TRUE(has_extended(0x8000'0008));
  EXPECT_EQ(last_extended(0x8000'0008), 0x8000'0008u);
  EXPECT_EQ(last_extended(0x8000'FFFF), kExtendedCap);
}

TEST(CpuidReport, RegisterTextReadsLikeTheCpuSpellsIt) {
  const uint32_t vendor[3] = {0x77646F47, 0x43567469, 0x34365550};  // EBX EDX ECX
  char text[13];
  register_text(text, vendor, 3);
  EXPECT_STREQ(text, "GodwitVCPU64");
  const uint32_t odd[2] = {0x00224101, 0x41414141};  // \x01 'A' '"' then NUL
  register_text(text, odd, 2);
  EXPECT_STREQ(text, ".A.");
}

TEST(CpuidReport, DigestIsFnv1aOverTheLittleEndianWords) {
  const uint32_t none[6] = {};
  // FNV-1a of 24 zero bytes.
  uint64_t h = kDigestStart;
  for (int i = 0; i < 24; ++i) h *= 0x100000001b3ull;
  EXPECT_EQ(digest_leaf(kDigestStart, none), h);
  const uint32_t a[6] = {1, 0, 2, 3, 4, 5}, b[6] = {1, 0, 2, 3, 4, 6};
  EXPECT_NE(digest_leaf(kDigestStart, a), digest_leaf(kDigestStart, b));
  EXPECT_NE(digest_leaf(digest_leaf(kDigestStart, a), b), digest_leaf(digest_leaf(kDigestStart, b), a));
}

TEST(CpuidReport, HypercallNames) {
  EXPECT_STREQ(hypercall_name(1), "vmcall");
  EXPECT_STREQ(hypercall_name(2), "vmmcall");
  EXPECT_STREQ(hypercall_name(0), "unknown");
}

}  // namespace
}  // namespace godwit::guest::cpuid
