#include "kernel/vm/dirty_rate.h"

#include <gtest/gtest.h>

namespace godwit::vm {
namespace {

constexpr uint64_t kS = 1'000'000'000;

TEST(DirtyRateMeter, RateIsPagesOverTheInterval) {
  DirtyRateMeter m;
  m.restart(10 * kS);
  EXPECT_FALSE(m.has_rate());
  EXPECT_TRUE(m.sample(500, 11 * kS));
  EXPECT_EQ(m.last_rate(), 500u);
  EXPECT_EQ(m.smoothed_rate(), 500u);  // the first sample sets it
  EXPECT_TRUE(m.sample(300, 11 * kS + kS / 2));
  EXPECT_EQ(m.last_rate(), 600u);  // 300 pages in half a second
  EXPECT_EQ(m.interval_start_ns(), 11 * kS + kS / 2);
}

TEST(DirtyRateMeter, IgnoresIntervalsShorterThanAMillisecond) {
  DirtyRateMeter m;
  m.restart(kS);
  EXPECT_FALSE(m.sample(5, kS + 999'999));
  EXPECT_FALSE(m.has_rate());
}

TEST(DirtyRateMeter, SmoothedRateFollowsAStepGradually) {
  DirtyRateMeter m;
  m.restart(0);
  m.sample(1000, kS);
  uint64_t t = kS;
  for (int i = 0; i < 3; ++i) m.sample(0, t += kS);
  EXPECT_EQ(m.last_rate(), 0u);
  EXPECT_GT(m.smoothed_rate(), 350u);  // 1000 * (3/4)^3 = 422
  EXPECT_LT(m.smoothed_rate(), 450u);
  for (int i = 0; i < 20; ++i) m.sample(0, t += kS);
  EXPECT_LT(m.smoothed_rate(), 5u);
}

TEST(DirtyRateMeter, QuietTimeCountsTheTrailingIntervalsBelowTheThreshold) {
  DirtyRateMeter m;
  m.restart(0);
  uint64_t t = 0;
  for (uint64_t pages : {800, 900, 40, 10, 0}) m.sample(pages, t += kS);
  EXPECT_EQ(m.quiet_ns(50), 3 * kS);  // 40, 10, 0
  EXPECT_EQ(m.quiet_ns(20), 2 * kS);  // 10, 0: the 40 before them ends the run
  EXPECT_EQ(m.quiet_ns(5), 1 * kS);
  m.sample(0, t += kS);
  EXPECT_EQ(m.quiet_ns(20), 3 * kS);
  EXPECT_EQ(m.quiet_ns(1000), 6 * kS);
  m.sample(100, t += kS);
  EXPECT_EQ(m.quiet_ns(50), 0u);
}

TEST(DirtyRateMeter, RestartForgetsTheHistory) {
  DirtyRateMeter m;
  m.restart(0);
  m.sample(0, kS);
  m.sample(0, 2 * kS);
  m.restart(5 * kS);
  EXPECT_EQ(m.quiet_ns(10), 0u);
  EXPECT_FALSE(m.has_rate());
}

TEST(DirtyRateMeter, HistoryIsBounded) {
  DirtyRateMeter m;
  m.restart(0);
  uint64_t t = 0;
  for (uint32_t i = 0; i < DirtyRateMeter::kHistory + 50; ++i) m.sample(0, t += kS);
  EXPECT_EQ(m.quiet_ns(1), DirtyRateMeter::kHistory * kS);
}

}  // namespace
}  // namespace godwit::vm
