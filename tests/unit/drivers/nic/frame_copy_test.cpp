#include "drivers/nic/frame_copy.h"

#include <gtest/gtest.h>

#include <vector>

#include "drivers/nic/nic.h"

namespace godwit::net {
namespace {

TEST(FrameCopy, GathersPiecesInOrder) {
  std::vector<uint8_t> a(14, 0xaa), b(3, 0xbb);
  std::span<const uint8_t> pieces[] = {a, b};
  std::vector<uint8_t> out(2048, 0);
  auto n = gather_frame(out, pieces);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 17u);
  EXPECT_EQ(out[13], 0xaa);
  EXPECT_EQ(out[14], 0xbb);
  EXPECT_EQ(out[17], 0);
}

TEST(FrameCopy, RejectsRuntsOversizedAndTooSmallBuffers) {
  std::vector<uint8_t> runt(13), big(Nic::kMaxFrame + 1), max(Nic::kMaxFrame);
  std::vector<uint8_t> out(2048);
  std::span<const uint8_t> p1[] = {runt};
  std::span<const uint8_t> p2[] = {big};
  std::span<const uint8_t> p3[] = {max};
  EXPECT_EQ(gather_frame(out, p1).error(), Error::kInvalidArgument);
  EXPECT_EQ(gather_frame(out, p2).error(), Error::kInvalidArgument);
  EXPECT_TRUE(gather_frame(out, p3));
  EXPECT_EQ(gather_frame({out.data(), 100}, p3).error(), Error::kInvalidArgument);
}

TEST(FrameCopy, ChecksReceivedLengths) {
  EXPECT_EQ(check_frame_length(13), FrameCheck::kRunt);
  EXPECT_EQ(check_frame_length(14), FrameCheck::kOk);
  EXPECT_EQ(check_frame_length(1514), FrameCheck::kOk);
  EXPECT_EQ(check_frame_length(1515), FrameCheck::kOversized);
}

}  // namespace
}  // namespace godwit::net
