// The real DirtyTracker over a SecondLevelSpace with fake table memory: what a
// migration round relies on (every write after start() or after collect() is caught,
// re-protection happens before the caller reads, one flush per chunk), on both formats
// with write protection, and on EPT with page-modification logging (a fake CPU that
// sets dirty flags and fills a 512-entry log).
#include "kernel/vm/dirty_tracker.h"

#include <gtest/gtest.h>

#include <vector>

#include "arch/x86/vmx/page_modification_log.h"
#include "tests/unit/fakes/fake_ept_cpu.h"
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

// The same tracker with Intel PML as its mechanism. write() is the guest's store: the
// fake CPU logs the page when its dirty flag goes 0 -> 1, and a log-full exit goes to
// record_log_full() (as the exit handler does) before the store is retried.
class PmlDirtyTrackerTest : public ::testing::Test {
 protected:
  Status start() { return guest.dirty.start(guest.space, kPages * kPage, guest.bits, guest.clock, pml); }
  void write(uint64_t gpa) {
    while (!cpu.write(gpa)) {
      ++log_full_exits;
      if (!guest.dirty.record_log_full()) throw std::logic_error("a log-full exit the tracker did not take");
    }
  }
  // Every page collect() hands over, as a sorted list.
  std::vector<uint64_t> collect() {
    std::vector<uint64_t> storage(PageBitmap::words_for(kPages));
    PageBitmap into(storage, kPages);
    auto moved = guest.dirty.collect(into);
    if (!moved) throw std::logic_error("collect failed");
    std::vector<uint64_t> gfns;
    for (uint64_t gfn = 0; gfn < kPages; ++gfn) {
      if (into.test(gfn)) gfns.push_back(gfn);
    }
    if (gfns.size() != *moved) throw std::logic_error("collect miscounted");
    return gfns;
  }

  TrackedGuest guest{kPages, PagingFormat::kEpt};
  godwit::testing::FakeEptCpu cpu{guest.space, guest.tables};
  x86::vmx::PageModificationLog pml{cpu, cpu.log};
  int log_full_exits = 0;
};

TEST_F(PmlDirtyTrackerTest, StartCleansFlagsTurnsLoggingOnAndProtectsNothing) {
  cpu.leaf(3 * kPage) |= x86::second_level::kEptDirty;  // dirty from before tracking
  ASSERT_TRUE(start());
  EXPECT_STREQ(guest.dirty.mechanism(), "pml");
  EXPECT_TRUE(cpu.logging);
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_TRUE(guest.writable(gfn)) << gfn;
  write(3 * kPage);  // logged although its flag was set before start()
  EXPECT_EQ(guest.dirty.dirty_count(), 1u);
  EXPECT_FALSE(guest.dirty.record_write(3 * kPage));  // no write fault is PML's
}

TEST_F(PmlDirtyTrackerTest, LoggedPagesAppearExactlyOnce) {
  ASSERT_TRUE(start());
  for (int pass = 0; pass < 3; ++pass) {
    for (uint64_t gfn = 10; gfn < 110; ++gfn) write(gfn * kPage + static_cast<uint64_t>(pass));
  }
  EXPECT_EQ(guest.dirty.dirty_count(), 100u);
  EXPECT_EQ(guest.dirty.dirty_count_in(0, 20 * kPage), 10u);
  auto gfns = collect();
  ASSERT_EQ(gfns.size(), 100u);
  for (uint64_t i = 0; i < 100; ++i) EXPECT_EQ(gfns[i], 10 + i);
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);
  EXPECT_EQ(guest.dirty.faults(), 0u);  // no exit at all
  EXPECT_TRUE(collect().empty());
}

TEST_F(PmlDirtyTrackerTest, APageWrittenAfterCollectIsCaughtNextTime) {
  ASSERT_TRUE(start());
  write(7 * kPage);
  write(8 * kPage);
  ASSERT_EQ(collect(), (std::vector<uint64_t>{7, 8}));
  EXPECT_FALSE(guest.space.lookup(7 * kPage)->dirty);  // re-armed before handed over
  write(7 * kPage);
  EXPECT_EQ(collect(), (std::vector<uint64_t>{7}));
}

TEST_F(PmlDirtyTrackerTest, PagesLeftInTheLogAfterAPartialTakeAreNotLost) {
  ASSERT_TRUE(start());
  for (uint64_t gfn = 0; gfn < 20; ++gfn) write(gfn * kPage);
  uint64_t out[5];
  auto taken = guest.dirty.take(out);
  ASSERT_TRUE(taken);
  ASSERT_EQ(*taken, 5u);
  for (uint64_t gfn = 0; gfn < 20; ++gfn) write(gfn * kPage);  // only the 5 taken are logged again
  auto rest = collect();
  EXPECT_EQ(rest.size(), 20u);
}

TEST_F(PmlDirtyTrackerTest, AFullLogExitLosesNothing) {
  ASSERT_TRUE(start());
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) write(gfn * kPage);  // 1100 pages: the log fills twice
  EXPECT_EQ(log_full_exits, 2);
  EXPECT_EQ(guest.dirty.faults(), 2u);  // the exits tracking cost
  auto gfns = collect();
  ASSERT_EQ(gfns.size(), kPages);
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_EQ(gfns[gfn], gfn);
}

TEST_F(PmlDirtyTrackerTest, HostWritesAreStillMarked) {
  ASSERT_TRUE(start());
  guest.dirty.record_host_write(30 * kPage + 100, 2 * kPage);  // touches pages 30-32
  write(31 * kPage);
  EXPECT_EQ(collect(), (std::vector<uint64_t>{30, 31, 32}));
}

TEST_F(PmlDirtyTrackerTest, ClearCountsAndRearms) {
  ASSERT_TRUE(start());
  for (uint64_t gfn = 0; gfn < 600; ++gfn) write(gfn * kPage);
  auto cleared = guest.dirty.clear(guest.clock);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(*cleared, 600u);
  EXPECT_EQ(guest.dirty.faults(), 0u);
  write(4 * kPage);
  write(599 * kPage);
  cleared = guest.dirty.clear(guest.clock);
  ASSERT_TRUE(cleared);
  EXPECT_EQ(*cleared, 2u);
}

TEST_F(PmlDirtyTrackerTest, StopTurnsLoggingOffAndTheNextStartIsClean) {
  ASSERT_TRUE(start());
  write(3 * kPage);
  guest.dirty.stop();
  EXPECT_FALSE(cpu.logging);
  EXPECT_STREQ(guest.dirty.mechanism(), "off");
  ASSERT_TRUE(start());
  EXPECT_EQ(guest.dirty.dirty_count(), 0u);  // what was logged before is gone
  write(3 * kPage);                          // its flag was cleaned: logged again
  EXPECT_EQ(collect(), (std::vector<uint64_t>{3}));
}

}  // namespace
}  // namespace godwit::vm
