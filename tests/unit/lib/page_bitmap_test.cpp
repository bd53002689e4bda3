#include "lib/page_bitmap.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit {
namespace {

TEST(PageBitmap, MarksOnceAndCollectsInOrder) {
  std::vector<uint64_t> bits(PageBitmap::words_for(200), ~0ull);  // starts cleared anyway
  PageBitmap log(bits, 200);
  EXPECT_EQ(log.count(), 0u);
  EXPECT_TRUE(log.mark(130));
  EXPECT_TRUE(log.mark(3));
  EXPECT_TRUE(log.mark(130));
  EXPECT_FALSE(log.mark(200));
  EXPECT_EQ(log.count(), 2u);
  std::vector<uint64_t> seen;
  EXPECT_EQ(log.collect([&](uint64_t gfn) { seen.push_back(gfn); }), 2u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{3, 130}));
  EXPECT_EQ(log.count(), 0u);
  EXPECT_FALSE(log.test(3));
}

TEST(PageBitmap, MarkAllCoversExactlyTheGuest) {
  std::vector<uint64_t> bits(PageBitmap::words_for(70));
  PageBitmap log(bits, 70);
  log.mark_all();
  EXPECT_EQ(log.count(), 70u);
  uint64_t last = 0;
  EXPECT_EQ(log.collect([&](uint64_t gfn) { last = gfn; }), 70u);
  EXPECT_EQ(last, 69u);
}

TEST(PageBitmap, TakeMovesTheLowestFramesAndLeavesTheRest) {
  std::vector<uint64_t> bits(PageBitmap::words_for(300));
  PageBitmap log(bits, 300);
  for (uint64_t gfn : {299u, 5u, 64u, 65u, 200u}) log.mark(gfn);
  std::vector<uint64_t> out(3);
  EXPECT_EQ(log.take(out), 3u);
  EXPECT_EQ(out, (std::vector<uint64_t>{5, 64, 65}));
  EXPECT_EQ(log.count(), 2u);
  EXPECT_FALSE(log.test(64));
  EXPECT_TRUE(log.test(200));
  EXPECT_EQ(log.take(out), 2u);
  EXPECT_EQ(out[1], 299u);
  EXPECT_EQ(log.take(out), 0u);
}

TEST(PageBitmap, FindNextWalksMarkedFramesAndClearEmpties) {
  std::vector<uint64_t> bits(PageBitmap::words_for(300));
  PageBitmap log(bits, 300);
  EXPECT_EQ(log.find_next(0), 300u);
  EXPECT_TRUE(log.mark(5));
  EXPECT_TRUE(log.mark(64));
  EXPECT_TRUE(log.mark(299));
  EXPECT_EQ(log.find_next(0), 5u);
  EXPECT_EQ(log.find_next(5), 5u);
  EXPECT_EQ(log.find_next(6), 64u);
  EXPECT_EQ(log.find_next(65), 299u);
  EXPECT_EQ(log.find_next(300), 300u);
  log.clear();
  EXPECT_EQ(log.count(), 0u);
  EXPECT_EQ(log.find_next(0), 300u);
}

}  // namespace
}  // namespace godwit
