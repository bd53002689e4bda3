#include "guests/dirtier/pacer.h"

#include <gtest/gtest.h>

namespace godwit::guest::dirtier {
namespace {

constexpr uint64_t kSecond = Pacer::kNsPerSecond;

TEST(DirtierPacer, SpreadsEventsEvenly) {
  Pacer p(1000, 5 * kSecond);
  EXPECT_EQ(p.due(5 * kSecond), 0u);
  EXPECT_EQ(p.due(5 * kSecond + 999'999), 0u);
  EXPECT_EQ(p.due(5 * kSecond + 1'000'000), 1u);
  EXPECT_EQ(p.due(7 * kSecond + 500'000'000), 2500u);
  EXPECT_EQ(p.due(0), 0u);  // before the start
  EXPECT_EQ(p.time_of(1), 5 * kSecond + 1'000'000);
  EXPECT_EQ(p.time_of(2500), 7 * kSecond + 500'000'000);
}

TEST(DirtierPacer, TimeOfIsTheFirstMomentAnEventIsDue) {
  for (uint64_t rate : {uint64_t{1}, uint64_t{3}, uint64_t{7}, uint64_t{1000}, Pacer::kMaxRate}) {
    Pacer p(rate, 123);
    for (uint64_t n : {uint64_t{1}, uint64_t{2}, uint64_t{5}, rate, rate + 1, 3 * rate + 2}) {
      uint64_t t = p.time_of(n);
      EXPECT_GE(p.due(t), n) << rate << " " << n;
      EXPECT_LT(p.due(t - 1), n) << rate << " " << n;
    }
  }
}

TEST(DirtierPacer, NoOverflowAfterDaysAtTheHighestRate) {
  Pacer p(Pacer::kMaxRate, 0);
  EXPECT_EQ(p.due(30 * 86400 * kSecond), 30ull * 86400 * Pacer::kMaxRate);
}

TEST(DirtierPacer, DropsABacklogOfMoreThanASecond) {
  Pacer p(100, 0);
  p.drop_backlog(kSecond / 2, 0);  // half a second behind: keep catching up
  EXPECT_EQ(p.due(kSecond / 2), 50u);
  p.drop_backlog(10 * kSecond, 60);  // a long pause: start again from here
  EXPECT_EQ(p.due(10 * kSecond), 60u);
  EXPECT_EQ(p.due(10 * kSecond + kSecond / 10), 70u);
}

}  // namespace
}  // namespace godwit::guest::dirtier
