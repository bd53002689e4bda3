// The PML mechanism on its own: arming cleans every dirty flag and empties the log,
// draining reads exactly the entries above the index (all 512 when it wrapped to
// 0xFFFF) and hands them out once, partial drains leave the rest, rearming cleans only
// the pages handed back.
#include "arch/x86/vmx/page_modification_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "tests/unit/fakes/fake_ept_cpu.h"
#include "tests/unit/fakes/tracked_guest.h"

namespace godwit::x86::vmx {
namespace {

using godwit::testing::FakeEptCpu;
using godwit::testing::TrackedGuest;

constexpr uint64_t kPages = 1024;
constexpr uint64_t kPage = 4096;

class PageModificationLogTest : public ::testing::Test {
 protected:
  TrackedGuest guest{kPages, PagingFormat::kEpt};
  FakeEptCpu cpu{guest.space, guest.tables};
  PageModificationLog pml{cpu, cpu.log};
};

TEST_F(PageModificationLogTest, ArmCleansEveryFlagEmptiesTheLogAndTurnsLoggingOn) {
  for (uint64_t gfn = 0; gfn < kPages; gfn += 3) cpu.leaf(gfn * kPage) |= second_level::kEptDirty;
  cpu.pml_index = 17;
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  EXPECT_TRUE(cpu.logging);
  EXPECT_EQ(cpu.pml_index, 511);
  EXPECT_EQ(guest.flusher.count, 1);  // the flags cleared may sit in a TLB
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_FALSE(guest.space.lookup(gfn * kPage)->dirty) << gfn;
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) ASSERT_TRUE(guest.writable(gfn)) << gfn;  // never protects
  uint64_t out[PageModificationLog::kEntries];
  EXPECT_EQ(pml.drain(out), 0u);
}

TEST_F(PageModificationLogTest, DrainReadsEachLoggedPageOnce) {
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  for (uint64_t gfn : {5u, 9u, 5u, 700u, 9u}) ASSERT_TRUE(cpu.write(gfn * kPage + 8));
  uint64_t out[PageModificationLog::kEntries];
  ASSERT_EQ(pml.drain(out), 3u);
  EXPECT_EQ(std::vector<uint64_t>(out, out + 3), (std::vector<uint64_t>{700, 9, 5}));  // newest first
  EXPECT_EQ(pml.drain(out), 0u);
  EXPECT_EQ(cpu.pml_index, 511);
}

TEST_F(PageModificationLogTest, APartialDrainLeavesTheRestForTheNextCall) {
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  for (uint64_t gfn = 0; gfn < 10; ++gfn) ASSERT_TRUE(cpu.write(gfn * kPage));
  uint64_t out[4];
  std::vector<uint64_t> all;
  for (size_t n; (n = pml.drain(out)) > 0;) all.insert(all.end(), out, out + n);
  ASSERT_EQ(all.size(), 10u);
  std::sort(all.begin(), all.end());
  for (uint64_t gfn = 0; gfn < 10; ++gfn) EXPECT_EQ(all[gfn], gfn);
}

TEST_F(PageModificationLogTest, AFullLogIsReadWhole) {
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  for (uint64_t gfn = 0; gfn < 512; ++gfn) ASSERT_TRUE(cpu.write(gfn * kPage));
  EXPECT_EQ(cpu.pml_index, 0xFFFF);
  EXPECT_FALSE(cpu.write(600 * kPage));  // log-full exit: not written, not flagged
  EXPECT_FALSE(guest.space.lookup(600 * kPage)->dirty);
  uint64_t out[PageModificationLog::kEntries];
  ASSERT_EQ(pml.drain(out), 512u);
  std::vector<bool> seen(kPages);
  for (uint64_t gfn : out) seen[gfn] = true;
  for (uint64_t gfn = 0; gfn < 512; ++gfn) EXPECT_TRUE(seen[gfn]) << gfn;
  EXPECT_TRUE(cpu.write(600 * kPage));  // the retried write is logged
  ASSERT_EQ(pml.drain(out), 1u);
  EXPECT_EQ(out[0], 600u);
}

TEST_F(PageModificationLogTest, RearmCleansOnlyThePagesHandedBackWithOneFlush) {
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  for (uint64_t gfn : {1u, 2u, 3u}) ASSERT_TRUE(cpu.write(gfn * kPage));
  int flushes = guest.flusher.count;
  const uint64_t back[] = {1, 3};
  ASSERT_TRUE(pml.rearm(guest.space, back));
  EXPECT_EQ(guest.flusher.count, flushes + 1);
  EXPECT_FALSE(guest.space.lookup(1 * kPage)->dirty);
  EXPECT_TRUE(guest.space.lookup(2 * kPage)->dirty);
  EXPECT_FALSE(guest.space.lookup(3 * kPage)->dirty);
}

TEST_F(PageModificationLogTest, DisarmTurnsLoggingOffAndNeverClaimsAFault) {
  ASSERT_TRUE(pml.arm(guest.space, kPages * kPage));
  EXPECT_FALSE(pml.claim_fault(guest.space, 4 * kPage));
  pml.disarm(guest.space, kPages * kPage);
  EXPECT_FALSE(cpu.logging);
  ASSERT_TRUE(cpu.write(4 * kPage));
  uint64_t out[PageModificationLog::kEntries];
  EXPECT_EQ(pml.drain(out), 0u);
}

}  // namespace
}  // namespace godwit::x86::vmx
