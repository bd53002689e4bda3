#include "arch/x86/vmx/exit_reason.h"

#include <gtest/gtest.h>

namespace godwit::x86::vmx {
namespace {

TEST(ExitReasonField, SplitsBasicReasonAndEntryFailure) {
  auto field = decode<ExitReasonField>(uint32_t{0x8000'0021});
  EXPECT_EQ(field.basic, 33u);
  EXPECT_EQ(field.entry_failure, 1u);
  EXPECT_EQ(decode<ExitReasonField>(uint32_t{48}).entry_failure, 0u);
}

TEST(EptViolationQualification, BitsFollowTable28_7) {
  auto q = decode<EptViolationQualification>(uint64_t{0x2 | 0x8 | 0x20 | 0x80 | 0x100 | 0x1000});
  EXPECT_EQ(q.read, 0u);
  EXPECT_EQ(q.write, 1u);
  EXPECT_EQ(q.execute, 0u);
  EXPECT_EQ(q.readable, 1u);
  EXPECT_EQ(q.writable, 0u);
  EXPECT_EQ(q.executable, 1u);
  EXPECT_EQ(q.linear_address_valid, 1u);
  EXPECT_EQ(q.final_translation, 1u);
  EXPECT_EQ(q.nmi_unblocking, 1u);
}

TEST(IoQualification, BitsFollowTable28_5) {
  auto q = decode<IoQualification>((uint64_t{0xCF8} << 16) | (1u << 5) | (1u << 4) | (1u << 3) | 1);
  EXPECT_EQ(q.port, 0xCF8u);
  EXPECT_EQ(q.size_minus_one, 1u);
  EXPECT_EQ(q.in, 1u);
  EXPECT_EQ(q.string, 1u);
  EXPECT_EQ(q.rep, 1u);
  EXPECT_EQ(q.immediate, 0u);
}

TEST(InterruptionInfo, BitsFollowTable25_19) {
  auto info = decode<InterruptionInfo>(uint32_t{0x8000'0B0D});
  EXPECT_EQ(info.vector, 13u);
  EXPECT_EQ(info.type, 3u);
  EXPECT_EQ(info.error_code_valid, 1u);
  EXPECT_EQ(info.valid, 1u);
}

}  // namespace
}  // namespace godwit::x86::vmx
