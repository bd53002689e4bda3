#include "kernel/memory/frame_allocator.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace godwit {
namespace {

class FrameAllocatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bitmap_.resize(4);  // 256 frames = 1 MiB
    allocator_.init(bitmap_, 256);
  }
  std::vector<uint64_t> bitmap_;
  FrameAllocator allocator_;
};

TEST_F(FrameAllocatorTest, StartsFullyUsed) {
  EXPECT_EQ(allocator_.free_frames(), 0u);
  EXPECT_EQ(allocator_.allocate().error(), Error::kOutOfMemory);
}

TEST_F(FrameAllocatorTest, ReleaseShrinksInwardReserveGrowsOutward) {
  allocator_.release(0x800, 0x3800);  // only frames 1 and 2 are whole
  EXPECT_EQ(allocator_.free_frames(), 2u);
  EXPECT_TRUE(allocator_.is_used(0x0));
  EXPECT_FALSE(allocator_.is_used(0x1000));
  EXPECT_TRUE(allocator_.is_used(0x3000));
  allocator_.release(0, 256 * kPageSize);
  allocator_.reserve(0x1fff, 0x2001);  // touches frames 1 and 2
  EXPECT_EQ(allocator_.free_frames(), 254u);
  EXPECT_TRUE(allocator_.is_used(0x1000));
  EXPECT_TRUE(allocator_.is_used(0x2000));
}

TEST_F(FrameAllocatorTest, AllocatesDistinctFramesUntilExhausted) {
  allocator_.release(0, 256 * kPageSize);
  std::set<PhysAddr> seen;
  for (int i = 0; i < 256; ++i) {
    auto frame = allocator_.allocate();
    ASSERT_TRUE(frame);
    EXPECT_EQ(*frame % kPageSize, 0u);
    EXPECT_TRUE(seen.insert(*frame).second);
  }
  EXPECT_EQ(allocator_.allocate().error(), Error::kOutOfMemory);
  ASSERT_TRUE(allocator_.free(0x5000));
  EXPECT_EQ(*allocator_.allocate(), 0x5000u);
}

TEST_F(FrameAllocatorTest, ContiguousAlignedRuns) {
  allocator_.release(0, 256 * kPageSize);
  allocator_.reserve(0x3000, 0x4000);  // a hole at frame 3
  auto run = allocator_.allocate(4, 4);
  ASSERT_TRUE(run);
  EXPECT_EQ(*run, 0x4000u);  // frames 0-3 are broken by the hole
  auto big = allocator_.allocate(64, 64);
  ASSERT_TRUE(big);
  EXPECT_EQ(*big % (64 * kPageSize), 0u);
  EXPECT_EQ(allocator_.allocate(300).error(), Error::kOutOfMemory);
  EXPECT_EQ(allocator_.allocate(0).error(), Error::kInvalidArgument);
}

TEST_F(FrameAllocatorTest, FreeCatchesMistakes) {
  allocator_.release(0, 256 * kPageSize);
  auto frame = allocator_.allocate(2);
  ASSERT_TRUE(frame);
  EXPECT_EQ(allocator_.free(*frame + 1).error(), Error::kInvalidArgument);
  EXPECT_EQ(allocator_.free(255 * kPageSize, 2).error(), Error::kRange);
  ASSERT_TRUE(allocator_.free(*frame, 2));
  EXPECT_EQ(allocator_.free(*frame).error(), Error::kState);  // double free
  EXPECT_EQ(allocator_.free_frames(), 256u);
}

}  // namespace
}  // namespace godwit
