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

// Issue 15, finding 6: zero runs mark coverage a word at a time; the result must equal
// marking page by page, at every alignment and across word edges.
TEST(PageBitmap, MarkRangeEqualsMarkingEachFrame) {
  constexpr uint64_t kFrames = 200;
  for (uint64_t first : {0u, 1u, 63u, 64u, 65u, 127u, 150u}) {
    for (uint64_t count : {0u, 1u, 2u, 63u, 64u, 65u, 130u}) {
      if (first + count > kFrames) continue;
      std::vector<uint64_t> a(PageBitmap::words_for(kFrames)), b(a.size());
      PageBitmap ranged(a, kFrames), single(b, kFrames);
      ASSERT_TRUE(ranged.mark(first + count / 2));  // some frames already marked
      ASSERT_TRUE(single.mark(first + count / 2));
      ASSERT_TRUE(ranged.mark_range(first, count));
      for (uint64_t gfn = first; gfn < first + count; ++gfn) single.mark(gfn);
      EXPECT_EQ(a, b) << first << "+" << count;
      EXPECT_EQ(ranged.count(), single.count()) << first << "+" << count;
    }
  }
}

TEST(PageBitmap, MarkRangeRefusesFramesOutsideTheGuest) {
  std::vector<uint64_t> words(PageBitmap::words_for(100));
  PageBitmap bitmap(words, 100);
  EXPECT_FALSE(bitmap.mark_range(99, 2));
  EXPECT_FALSE(bitmap.mark_range(100, 0));
  EXPECT_FALSE(bitmap.mark_range(1, UINT64_MAX));
  EXPECT_EQ(bitmap.count(), 0u);
  EXPECT_TRUE(bitmap.mark_range(98, 2));
  EXPECT_EQ(bitmap.count(), 2u);
}

TEST(PageBitmap, TakeRangeVisitsAndClearsOnlyMarkedFramesInTheRange) {
  std::vector<uint64_t> words(PageBitmap::words_for(300));
  PageBitmap bitmap(words, 300);
  for (uint64_t gfn : {3u, 63u, 64u, 130u, 200u, 299u}) bitmap.mark(gfn);
  std::vector<uint64_t> seen;
  EXPECT_EQ(bitmap.take_range(60, 140, [&](uint64_t gfn) { seen.push_back(gfn); }), 3u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{63, 64, 130}));
  EXPECT_EQ(bitmap.count(), 3u);
  EXPECT_TRUE(bitmap.test(3) && bitmap.test(200) && bitmap.test(299));
  EXPECT_FALSE(bitmap.test(63) || bitmap.test(64) || bitmap.test(130));
  seen.clear();
  EXPECT_EQ(bitmap.take_range(250, UINT64_MAX, [&](uint64_t gfn) { seen.push_back(gfn); }), 1u);
  EXPECT_EQ(seen, (std::vector<uint64_t>{299}));
}

}  // namespace
}  // namespace godwit
