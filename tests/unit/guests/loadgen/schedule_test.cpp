#include "guests/loadgen/schedule.h"

#include <gtest/gtest.h>

#include "guests/loadgen/fp_work.h"

namespace godwit::guest::loadgen {
namespace {

constexpr uint64_t kMs = 1'000'000;

TEST(LoadgenSchedule, BusyForTheLoadShareOfEachPeriod) {
  Schedule s({100 * kMs, 30, 5, 0}, 1000 * kMs);
  Period p = s.at(1250 * kMs);
  EXPECT_EQ(p.index, 2u);
  EXPECT_EQ(p.start_ns, 1200 * kMs);
  EXPECT_EQ(p.busy_until_ns, 1230 * kMs);
  EXPECT_EQ(p.end_ns, 1300 * kMs);
  EXPECT_EQ(p.pages, 5u);
  EXPECT_FALSE(p.idle);
  EXPECT_EQ(s.pages_per_second(), 50u);
}

TEST(LoadgenSchedule, FullAndZeroLoad) {
  EXPECT_EQ(Schedule({100 * kMs, 100, 0, 0}, 0).at(0).busy_until_ns, 100 * kMs);
  EXPECT_EQ(Schedule({100 * kMs, 0, 0, 0}, 0).at(0).busy_until_ns, 0u);
}

TEST(LoadgenSchedule, TurnsIdleAfterTheConfiguredTime) {
  Schedule s({100 * kMs, 80, 40, 3000 * kMs}, 500 * kMs);
  EXPECT_FALSE(s.at(3499 * kMs).idle);
  Period late = s.at(3500 * kMs);
  EXPECT_TRUE(late.idle);
  EXPECT_EQ(late.pages, 0u);
  EXPECT_EQ(late.busy_until_ns, late.start_ns);
}

TEST(LoadgenSchedule, BeforeTheStartIsTheFirstPeriod) {
  EXPECT_EQ(Schedule({100 * kMs, 50, 1, 0}, 1000 * kMs).at(10).index, 0u);
}

// The digest the integration tests recompute in Python (tests/integration/fp_reference.py)
// from the same arithmetic: pinned so a change to either is noticed here first.
TEST(LoadgenFpWork, DigestOfTheFirstThousandBlocksIsPinned) {
  uint64_t d = kDigestStart;
  for (uint64_t k = 0; k < 1000; ++k) d = digest_step(d, fp_block(k));
  EXPECT_EQ(d, 0xfad7a06147078c01ull);
  EXPECT_NE(fp_block(1), fp_block(2));
}

}  // namespace
}  // namespace godwit::guest::loadgen
