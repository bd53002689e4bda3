#include "guests/dirtier/working_set.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::guest::dirtier {
namespace {

// A working set in host memory, and a way to make parts of it go stale the way a
// migration that failed to re-send a page would: restore an older copy.
struct Fixture {
  static constexpr uint64_t kPages = 16;
  std::vector<uint64_t> memory = std::vector<uint64_t>(kPages * kWordsPerPage);
  std::vector<uint64_t> table = std::vector<uint64_t>(kPages);
  WorkingSet ws{table.data(), reinterpret_cast<uint64_t>(memory.data()), kPages};

  Fixture() { ws.initialize(); }
  std::vector<uint64_t> copy_page(uint64_t i) const {
    return {memory.begin() + i * kWordsPerPage, memory.begin() + (i + 1) * kWordsPerPage};
  }
  void restore_page(uint64_t i, const std::vector<uint64_t>& old) {
    std::copy(old.begin(), old.end(), memory.begin() + i * kWordsPerPage);
  }
  // Writes only (no separate checker): the writer's own check must be enough.
  Corruption write(uint64_t n) {
    for (uint64_t k = 0; k < n; ++k)
      if (Corruption c = ws.write_next(); c.found) return c;
    return {};
  }
};

TEST(DirtierWorkingSet, RunsCleanAndCounts) {
  Fixture f;
  EXPECT_FALSE(f.write(5 * Fixture::kPages + 3).found);
  for (uint64_t k = 0; k < 2 * Fixture::kPages; ++k) ASSERT_FALSE(f.ws.check_next().found);
  EXPECT_EQ(f.ws.writes(), 5 * Fixture::kPages + 3);
  EXPECT_EQ(f.ws.checks(), 2 * Fixture::kPages);
  EXPECT_EQ(f.ws.verified(), f.ws.writes() + f.ws.checks());
  EXPECT_EQ(f.ws.passes(), 2u);
  EXPECT_EQ(f.table[2], 6u);
  EXPECT_EQ(f.table[3], 5u);
}

TEST(DirtierWorkingSet, APageNotResentIsCaughtBeforeItIsRewritten) {
  Fixture f;
  ASSERT_FALSE(f.write(Fixture::kPages + 5).found);
  auto old = f.copy_page(7);                     // "sent" in an early round
  ASSERT_FALSE(f.write(Fixture::kPages).found);  // page 7 rewritten since
  f.restore_page(7, old);                        // ...but the new copy never arrived
  Corruption c = f.write(Fixture::kPages);
  ASSERT_TRUE(c.found);
  EXPECT_EQ(c.page, 7u);
  ASSERT_TRUE(c.words.any());
  EXPECT_EQ(c.words.word, 1u);  // the generation word is the first to differ
  EXPECT_EQ(c.words.found, 1u);
  EXPECT_EQ(c.words.expected, 2u);
}

TEST(DirtierWorkingSet, AStaleTablePageIsCaught) {
  Fixture f;
  ASSERT_FALSE(f.write(3).found);
  auto old_table = f.table;
  ASSERT_FALSE(f.write(Fixture::kPages).found);
  f.table = old_table;  // the table page was not re-sent
  Corruption c = f.ws.check_next();
  ASSERT_TRUE(c.found);
  EXPECT_NE(c.table_generation, c.expected_generation);
}

TEST(DirtierWorkingSet, APageAndItsTableStaleTogetherAreStillCaught) {
  Fixture f;
  ASSERT_FALSE(f.write(4).found);
  auto old_page = f.copy_page(2);
  auto old_table = f.table;
  ASSERT_FALSE(f.write(Fixture::kPages).found);
  f.restore_page(2, old_page);
  f.table = old_table;  // consistent with each other, but not with the write count
  Corruption c = f.write(Fixture::kPages);
  ASSERT_TRUE(c.found);
  EXPECT_FALSE(c.words.any());
  EXPECT_EQ(c.table_generation + 1, c.expected_generation);
}

TEST(DirtierWorkingSet, ATornPageIsCaughtByTheChecker) {
  Fixture f;
  ASSERT_FALSE(f.write(Fixture::kPages).found);
  f.memory[9 * kWordsPerPage + 300] ^= 0x100;  // one word of page 9
  Corruption c;
  for (uint64_t k = 0; k < Fixture::kPages && !c.found; ++k) c = f.ws.check_next();
  ASSERT_TRUE(c.found);
  EXPECT_EQ(c.page, 9u);
  EXPECT_EQ(c.words.word, 300u);
}

}  // namespace
}  // namespace godwit::guest::dirtier
