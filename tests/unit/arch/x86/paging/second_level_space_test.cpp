// The rule QEMU's software SVM cannot check (it flushes on every world switch): every
// permission taken away, and every dirty flag cleared, is followed by a flush, and only
// then.
#include "arch/x86/paging/second_level_space.h"

#include <gtest/gtest.h>

#include "tests/unit/arch/x86/paging/paging_format_names.h"
#include "tests/unit/fakes/fake_table_memory.h"

namespace godwit::x86 {
namespace {

class CountingFlusher final : public TlbFlusher {
 public:
  void flush(const SecondLevelSpace& space) override {
    ++count;
    last = &space;
  }
  int count = 0;
  const SecondLevelSpace* last = nullptr;
};

class SecondLevelSpaceTest : public ::testing::TestWithParam<PagingFormat> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(space.init());
    for (uint64_t gpa = 0; gpa < 64 * 4096; gpa += 4096)
      ASSERT_TRUE(space.map(gpa, gpa + 0x800000, kAccessAll));
  }
  // The leaf table of gpa 0-2 MiB, where SetUp mapped 64 pages: the entries the CPU
  // would set flags in.
  uint64_t* first_leaf_table() {
    uint64_t table = space.root();
    for (int level = 3; level > 0; --level) table = second_level::address(memory.entries(table)[0]);
    return memory.entries(table);
  }
  godwit::testing::FakeTableMemory memory;
  CountingFlusher flusher;
  SecondLevelSpace space{GetParam(), memory, flusher};
};

TEST_P(SecondLevelSpaceTest, MappingNeedsNoFlush) { EXPECT_EQ(flusher.count, 0); }

TEST_P(SecondLevelSpaceTest, WriteProtectFlushesOnceForTheWholeRange) {
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessRead | kAccessExecute));
  EXPECT_EQ(flusher.count, 1);
  EXPECT_EQ(flusher.last, &space);
  EXPECT_EQ(space.flushes(), 1u);
}

TEST_P(SecondLevelSpaceTest, RestoringWriteDoesNotFlush) {
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessRead | kAccessExecute));
  ASSERT_TRUE(space.protect(5 * 4096, 4096, kAccessAll));
  EXPECT_EQ(flusher.count, 1);
}

TEST_P(SecondLevelSpaceTest, ProtectingAlreadyProtectedPagesDoesNotFlush) {
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessRead | kAccessExecute));
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessRead | kAccessExecute));
  EXPECT_EQ(flusher.count, 1);
}

TEST_P(SecondLevelSpaceTest, UnmapFlushes) {
  ASSERT_TRUE(space.unmap(3 * 4096));
  EXPECT_EQ(flusher.count, 1);
  EXPECT_FALSE(space.unmap(3 * 4096));
  EXPECT_EQ(flusher.count, 1);
}

TEST_P(SecondLevelSpaceTest, UnmappingARangeFlushesOnceAndAnEmptyOneNotAtAll) {
  ASSERT_TRUE(space.unmap_range(0, 64 * 4096));
  EXPECT_EQ(flusher.count, 1);
  EXPECT_EQ(space.lookup(63 * 4096).error(), Error::kNotFound);
  ASSERT_TRUE(space.unmap_range(0, 128 * 4096));  // nothing left to remove
  EXPECT_EQ(flusher.count, 1);
}

TEST_P(SecondLevelSpaceTest, ProtectingScatteredPagesFlushesOnce) {
  const uint64_t gfns[] = {1, 7, 40, 63};
  ASSERT_TRUE(space.protect_pages(gfns, kAccessRead | kAccessExecute));
  EXPECT_EQ(flusher.count, 1);
  EXPECT_EQ(space.lookup(7 * 4096)->permissions & kAccessWrite, 0);
  EXPECT_EQ(space.lookup(8 * 4096)->permissions & kAccessWrite, kAccessWrite);
  ASSERT_TRUE(space.protect_pages(gfns, kAccessRead | kAccessExecute));
  EXPECT_EQ(flusher.count, 1);
}

// Dirty flags are the CPU's to set (an EPT leaf's bit 9, an NPT leaf's bit 6); clearing
// them obliges a flush, as taking a permission does, because a TLB may hold the page as
// already dirty and would neither set the flag nor log the page on the next write.
TEST_P(SecondLevelSpaceTest, CleaningDirtyPagesFlushesOnceAndCleanPagesNotAtAll) {
  uint64_t* leaf = first_leaf_table();
  uint64_t flag = second_level::dirty_flag(GetParam());
  leaf[2] |= flag;
  leaf[9] |= flag;
  EXPECT_TRUE(space.lookup(2 * 4096)->dirty);
  EXPECT_FALSE(space.lookup(3 * 4096)->dirty);
  ASSERT_TRUE(space.clean(0, 64 * 4096));
  EXPECT_EQ(flusher.count, 1);
  EXPECT_FALSE(space.lookup(2 * 4096)->dirty);
  EXPECT_FALSE(space.lookup(9 * 4096)->dirty);
  EXPECT_EQ(space.lookup(2 * 4096)->permissions, kAccessAll);  // only the flag changes
  ASSERT_TRUE(space.clean(0, 64 * 4096));
  EXPECT_EQ(flusher.count, 1);
  leaf[40] |= flag;
  const uint64_t gfns[] = {1, 40, 63};
  ASSERT_TRUE(space.clean_pages(gfns));
  EXPECT_EQ(flusher.count, 2);
  EXPECT_FALSE(space.lookup(40 * 4096)->dirty);
  ASSERT_TRUE(space.clean_pages(gfns));
  EXPECT_EQ(flusher.count, 2);
}

TEST_P(SecondLevelSpaceTest, ProtectKeepsTheDirtyFlag) {
  ASSERT_TRUE(space.clean(0, 64 * 4096));
  uint64_t* leaf = first_leaf_table();
  leaf[5] |= second_level::dirty_flag(GetParam());
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessRead | kAccessExecute));
  EXPECT_TRUE(space.lookup(5 * 4096)->dirty);
  EXPECT_FALSE(space.lookup(6 * 4096)->dirty);
  ASSERT_TRUE(space.protect(0, 64 * 4096, kAccessAll));
  EXPECT_TRUE(space.lookup(5 * 4096)->dirty);
}

INSTANTIATE_TEST_SUITE_P(BothFormats, SecondLevelSpaceTest,
                         ::testing::Values(PagingFormat::kEpt, PagingFormat::kNpt), paging_format_test_name);

}  // namespace
}  // namespace godwit::x86
