#include "arch/x86/paging/second_level_table.h"

#include <gtest/gtest.h>

#include "tests/unit/arch/x86/paging/paging_format_names.h"
#include "tests/unit/fakes/fake_table_memory.h"

namespace godwit::x86 {
namespace {

class SecondLevelTableTest : public ::testing::TestWithParam<PagingFormat> {
 protected:
  void SetUp() override { ASSERT_TRUE(table.init()); }
  godwit::testing::FakeTableMemory memory;
  SecondLevelTable table{GetParam(), memory};
};

TEST_P(SecondLevelTableTest, MapsAndLooksUp) {
  ASSERT_TRUE(table.map(0x200000, 0xABC000, kAccessAll));
  auto t = table.lookup(0x200000);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->frame, 0xABC000u);
  EXPECT_EQ(t->permissions, kAccessAll);
  EXPECT_EQ(table.lookup(0x201000).error(), Error::kNotFound);
  EXPECT_EQ(table.lookup(0x4000'0000).error(), Error::kNotFound);
}

TEST_P(SecondLevelTableTest, RefusesBadRequests) {
  EXPECT_EQ(table.map(0x1001, 0x1000, kAccessAll).error(), Error::kRange);
  EXPECT_EQ(table.map(SecondLevelTable::kAddressLimit, 0x1000, kAccessAll).error(), Error::kRange);
  EXPECT_EQ(table.map(0x1000, 0x1000, kAccessWrite).error(), Error::kInvalidArgument);
  ASSERT_TRUE(table.map(0x1000, 0x1000, kAccessAll));
  EXPECT_EQ(table.map(0x1000, 0x2000, kAccessAll).error(), Error::kExists);
  EXPECT_EQ(table.unmap(0x5000).error(), Error::kNotFound);
}

TEST_P(SecondLevelTableTest, ProtectCountsOnlyReductions) {
  for (uint64_t gpa = 0; gpa < 1024 * 4096; gpa += 4096)
    ASSERT_TRUE(table.map(gpa, gpa + 0x100000, kAccessAll));
  auto reduced = table.protect(0, 1024 * 4096, kAccessRead | kAccessExecute);
  ASSERT_TRUE(reduced);
  EXPECT_EQ(*reduced, 1024u);  // crosses a leaf-table boundary at 512 pages
  EXPECT_EQ(table.lookup(0x3FF000)->permissions, kAccessRead | kAccessExecute);
  EXPECT_EQ(table.lookup(0x3FF000)->frame, 0x3FF000u + 0x100000u);
  auto again = table.protect(0, 1024 * 4096, kAccessRead | kAccessExecute);
  EXPECT_EQ(*again, 0u);
  auto restore = table.protect(0x1000, 4096, kAccessAll);
  EXPECT_EQ(*restore, 0u);
  EXPECT_EQ(table.lookup(0x1000)->permissions, kAccessAll);
  EXPECT_EQ(table.lookup(0x2000)->permissions, kAccessRead | kAccessExecute);
}

TEST_P(SecondLevelTableTest, ProtectSkipsHolesAndRejectsOverflow) {
  ASSERT_TRUE(table.map(0x10'0000'0000, 0x5000, kAccessAll));
  EXPECT_EQ(*table.protect(0, 0x20'0000'0000, kAccessRead), 1u);
  EXPECT_EQ(table.protect(0x1000, ~0ull, kAccessRead).error(), Error::kRange);
  EXPECT_EQ(table.protect(0, 4096, kAccessWrite).error(), Error::kInvalidArgument);
}

TEST_P(SecondLevelTableTest, UnmapRangeRemovesOnlyTheRangeAndSkipsHoles) {
  for (uint64_t gpa = 0; gpa < 1024 * 4096; gpa += 4096) {
    if (gpa == 600 * 4096) continue;  // a hole
    ASSERT_TRUE(table.map(gpa, gpa + 0x100000, kAccessAll));
  }
  auto removed = table.unmap_range(10 * 4096, 1000 * 4096);  // crosses the leaf tables at 512
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 999u);
  EXPECT_TRUE(table.lookup(9 * 4096));
  EXPECT_EQ(table.lookup(10 * 4096).error(), Error::kNotFound);
  EXPECT_EQ(table.lookup(512 * 4096).error(), Error::kNotFound);
  EXPECT_EQ(table.lookup(1009 * 4096).error(), Error::kNotFound);
  EXPECT_EQ(table.lookup(1010 * 4096)->frame, 1010u * 4096 + 0x100000);
  EXPECT_EQ(*table.unmap_range(0, 1024 * 4096), 24u);     // what is left: 0-9 and 1010-1023
  ASSERT_TRUE(table.map(20 * 4096, 0x7000, kAccessAll));  // the tables stay: map back in place
  EXPECT_EQ(table.lookup(20 * 4096)->frame, 0x7000u);
  EXPECT_EQ(table.unmap_range(0x1000, ~0ull).error(), Error::kRange);
}

TEST_P(SecondLevelTableTest, UnmapAndDestroyFreeEverything) {
  ASSERT_TRUE(table.map(0x0, 0x1000, kAccessAll));
  ASSERT_TRUE(table.map(0x80'0000'0000, 0x2000, kAccessAll));  // another root slot
  EXPECT_EQ(memory.live_tables(), 1u + 3u + 3u);
  ASSERT_TRUE(table.unmap(0x0));
  EXPECT_EQ(table.lookup(0x0).error(), Error::kNotFound);
  table.destroy();
  EXPECT_EQ(memory.live_tables(), 0u);
}

TEST_P(SecondLevelTableTest, ReportsTableExhaustion) {
  memory.set_limit(2);
  EXPECT_EQ(table.map(0x0, 0x1000, kAccessAll).error(), Error::kOutOfMemory);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, SecondLevelTableTest,
                         ::testing::Values(PagingFormat::kEpt, PagingFormat::kNpt), paging_format_test_name);

}  // namespace
}  // namespace godwit::x86
