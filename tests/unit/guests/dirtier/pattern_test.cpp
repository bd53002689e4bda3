#include "guests/dirtier/pattern.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::guest::dirtier {
namespace {

TEST(DirtierPattern, GenerationFollowsRoundRobinWrites) {
  // 3 pages, 7 writes: pages 0,1,2,0,1,2,0 -> generations 3, 2, 2.
  EXPECT_EQ(expected_generation(0, 3, 7), 3u);
  EXPECT_EQ(expected_generation(1, 3, 7), 2u);
  EXPECT_EQ(expected_generation(2, 3, 7), 2u);
  EXPECT_EQ(expected_generation(0, 3, 0), 0u);
  EXPECT_EQ(expected_generation(0, 1, 5), 5u);
}

TEST(DirtierPattern, AFilledPageChecksAndEveryWordMatters) {
  std::vector<uint64_t> page(kWordsPerPage);
  fill_page(page.data(), 12, 5);
  EXPECT_FALSE(check_page(page.data(), 12, 5).any());
  for (uint64_t w : {uint64_t{0}, uint64_t{1}, uint64_t{2}, kWordsPerPage - 1}) {
    auto copy = page;
    copy[w] ^= 1;
    Mismatch m = check_page(copy.data(), 12, 5);
    ASSERT_TRUE(m.any()) << w;
    EXPECT_EQ(m.word, w);
    EXPECT_EQ(m.expected, expected_word(12, 5, w));
    EXPECT_EQ(m.found, copy[w]);
  }
}

TEST(DirtierPattern, StaleOrMisplacedPagesFail) {
  std::vector<uint64_t> page(kWordsPerPage);
  fill_page(page.data(), 12, 4);  // one generation behind
  EXPECT_EQ(check_page(page.data(), 12, 5).word, 1u);
  page[1] = 5;  // even with the counter forged
  EXPECT_EQ(check_page(page.data(), 12, 5).word, 2u);
  fill_page(page.data(), 13, 5);  // another page's contents
  EXPECT_EQ(check_page(page.data(), 12, 5).word, 0u);
}

TEST(DirtierPattern, SeedsDifferBetweenNeighbours) {
  EXPECT_NE(seed(0, 0), seed(1, 0));
  EXPECT_NE(seed(0, 0), seed(0, 1));
  EXPECT_NE(seed(1, 0), seed(0, 1));
}

}  // namespace
}  // namespace godwit::guest::dirtier
