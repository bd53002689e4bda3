#include "kernel/memory/heap.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace godwit {
namespace {

class HeapTest : public ::testing::Test {
 protected:
  void SetUp() override { heap_.add_region(storage_, sizeof storage_); }
  alignas(16) unsigned char storage_[64 * 1024];
  Heap heap_;
};

TEST_F(HeapTest, AllocationsAreAlignedDisjointAndWritable) {
  std::vector<std::pair<unsigned char*, size_t>> blocks;
  for (size_t size : {1, 15, 16, 17, 100, 1000, 4096}) {
    auto* p = static_cast<unsigned char*>(heap_.allocate(size));
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % Heap::kAlignment, 0u);
    std::memset(p, static_cast<int>(size), size);
    blocks.emplace_back(p, size);
  }
  for (auto [p, size] : blocks) {
    for (size_t i = 0; i < size; ++i) ASSERT_EQ(p[i], static_cast<unsigned char>(size));
  }
}

TEST_F(HeapTest, FreeingEverythingCoalescesBackToOneBlock) {
  size_t initial = heap_.free_bytes();
  std::mt19937 random(7);
  std::vector<void*> live;
  for (int i = 0; i < 2000; ++i) {
    if (!live.empty() && random() % 3 == 0) {
      size_t k = random() % live.size();
      ASSERT_TRUE(heap_.release(live[k]));
      live.erase(live.begin() + static_cast<long>(k));
    } else if (void* p = heap_.allocate(random() % 300)) {
      live.push_back(p);
    }
  }
  for (void* p : live) ASSERT_TRUE(heap_.release(p));
  EXPECT_EQ(heap_.free_bytes(), initial);
  EXPECT_EQ(heap_.used_bytes(), 0u);
  EXPECT_NE(heap_.allocate(initial - 64), nullptr);  // one block again, not fragments
}

TEST_F(HeapTest, ExhaustionReturnsNull) {
  EXPECT_EQ(heap_.allocate(sizeof storage_), nullptr);
  EXPECT_EQ(heap_.allocate(SIZE_MAX), nullptr);
}

TEST_F(HeapTest, DoubleFreeAndStrayPointersAreRefused) {
  void* p = heap_.allocate(64);
  ASSERT_TRUE(heap_.release(p));
  EXPECT_FALSE(heap_.release(p));
  alignas(16) unsigned char elsewhere[64] = {};
  EXPECT_FALSE(heap_.release(elsewhere + 32));
  EXPECT_TRUE(heap_.release(nullptr));
}

TEST(Heap, GrowsWithNewRegions) {
  alignas(16) static unsigned char a[1024], b[4096];
  Heap heap;
  heap.add_region(a, sizeof a);
  EXPECT_EQ(heap.allocate(2000), nullptr);
  heap.add_region(b, sizeof b);
  EXPECT_NE(heap.allocate(2000), nullptr);
}

}  // namespace
}  // namespace godwit
