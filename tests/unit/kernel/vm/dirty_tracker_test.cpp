// The real DirtyTracker over a SecondLevelSpace with fake table memory: what a
// migration round relies on (every write after start() or after collect() is caught,
// re-protection happens before the caller reads, one flush per chunk), on both formats.
#include "kernel/vm/dirty_tracker.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/fakes/tracked_guest.h"

namespace godwit::vm {
namespace {

using godwit::testing::TrackedGuest;
using x86::PagingFormat;

constexpr uint64_t kPages = 1100;  // more than two chunks of 512
constexpr uint64_t kPage = TrackedGuest::kPage;

std::string format_name(const ::testing::TestParamInfo<PagingFormat>& info) {
  return info.param == PagingFormat::kEpt ? "Ept" : "Npt";
}

class DirtyTrackerTest : public ::testing::TestWithParam<PagingFormat> {
 protected:
  TrackedGuest guest{kPages, GetParam()};
};

TEST_P(DirtyTrackerTest, StartWriteProtectsAllOfRamWithOneFlush) {
  ASSERT_TRUE(guest.start_tracking());
  EXPECT_TRUE(guest.dirty.active());
  EXPECT_EQ(guest.flusher.count, 1);
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_FALSE(guest.writable(gfn)) << gfn;
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);
  EXPECT_EQ(guest.dirty.protect_ns(), guest.clock.step_ns);  // timed with the clock it was given
}

TEST_P(DirtyTrackerTest, FirstWriteFaultsMarksAndUnprotectsOnlyThatPage) {
  ASSERT_TRUE(guest.start_tracking());
  guest.write(5 * kPage + 7, 1);
  guest.write(5 * kPage + 8, 2);  // writable now: no second fault
  EXPECT_EQ(guest.dirty.faults(), 1u);
  EXPECT_EQ(guest.dirty.dirty_count(), 1u);
  EXPECT_TRUE(guest.writable(5));
  EXPECT_FALSE(guest.writable(4));
  EXPECT_FALSE(guest.writable(6));
  EXPECT_EQ(guest.dirty.dirty_count_in(4 * kPage, 2 * kPage), 1u);
  EXPECT_EQ(guest.dirty.dirty_count_in(6 * kPage, 10 * kPage), 0u);
}

TEST_P(DirtyTrackerTest, CollectReprotectsBeforeHandingPagesOverSoLaterWritesAreCaught) {
  ASSERT_TRUE(guest.start_tracking());
  for (uint64_t gfn = 0; gfn < kPages; gfn += 2) guest.write(gfn * kPage, 1);  // 550 pages: two chunks
  std::vector<uint64_t> storage(PageBitmap::words_for(kPages));
  PageBitmap into(storage, kPages);
  int flushes_before = guest.flusher.count;
  auto moved = guest.dirty.collect(into);
  ASSERT_TRUE(moved);
  EXPECT_EQ(*moved, kPages / 2);
  EXPECT_EQ(into.count(), kPages / 2);
  EXPECT_EQ(guest.flusher.count - flushes_before, 2);  // one per chunk of 512
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);
  for (uint64_t gfn = 0; gfn < kPages; gfn += 2) ASSERT_FALSE(guest.writable(gfn)) << gfn;
  guest.write(4 * kPage, 9);  // written again after collection: caught for the next round
  EXPECT_EQ(guest.dirty.dirty_count(), 1u);
  EXPECT_EQ(guest.dirty.faults(), kPages / 2 + 1);
}

TEST_P(DirtyTrackerTest, StopMakesEverythingWritableAndStartsCleanNextTime) {
  ASSERT_TRUE(guest.start_tracking());
  guest.write(3 * kPage, 1);
  guest.stop_tracking();
  EXPECT_FALSE(guest.dirty.active());
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_TRUE(guest.writable(gfn)) << gfn;
  EXPECT_FALSE(guest.dirty.record_write(3 * kPage));
  ASSERT_TRUE(guest.start_tracking());
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);
}

TEST_P(DirtyTrackerTest, RefusesASecondStartAndATooSmallBitmap) {
  ASSERT_TRUE(guest.start_tracking());
  EXPECT_EQ(guest.start_tracking().error(), Error::kBusy);
  guest.stop_tracking();
  std::vector<uint64_t> small(PageBitmap::words_for(kPages) - 1);
  EXPECT_EQ(guest.dirty.start(guest.space, kPages * kPage, small, guest.clock).error(),
            Error::kInvalidArgument);
  EXPECT_FALSE(guest.dirty.active());
}

TEST_P(DirtyTrackerTest, WritesOutsideRamAreNotTracked) {
  ASSERT_TRUE(guest.start_tracking());
  EXPECT_FALSE(guest.dirty.record_write(kPages * kPage));
  EXPECT_EQ(guest.dirty.faults(), 0u);
}

// The dirty-rate logger's once-a-second step, and what a migration borrowing the
// logger's tracker starts from (issue 17).
TEST_P(DirtyTrackerTest, ClearCountsReprotectsAndEmptiesTheLog) {
  ASSERT_TRUE(guest.start_tracking());
  for (uint64_t gfn = 0; gfn < kPages; gfn += 2) guest.write(gfn * kPage, 1);
  guest.write(3 * kPage, 1);
  auto cleared = guest.dirty.clear(guest.clock);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(*cleared, kPages / 2 + 1);
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);
  EXPECT_EQ(guest.dirty.faults(), 0u);
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_FALSE(guest.writable(gfn)) << gfn;
  guest.write(4 * kPage, 1);  // the same page again: caught again
  guest.write(9 * kPage, 1);
  cleared = guest.dirty.clear(guest.clock);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(*cleared, 2u);
  EXPECT_TRUE(guest.dirty.active());
}

INSTANTIATE_TEST_SUITE_P(BothFormats, DirtyTrackerTest,
                         ::testing::Values(PagingFormat::kEpt, PagingFormat::kNpt), format_name);

}  // namespace
}  // namespace godwit::vm
