// PrecopyPolicy on synthetic traces: a guest dirtying pages at a steady rate inside a
// working set, over a link of fixed bandwidth. Each round's length is what its pages
// take on the wire; what the guest dirties meanwhile is the next round's set.
#include "migration/precopy_policy.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace godwit::migration {
namespace {

struct Trace {
  uint64_t memory_pages;
  uint64_t bandwidth_bytes_per_s;
  uint64_t dirty_pages_per_s;
  uint64_t working_set_pages;
};

struct Outcome {
  PrecopyDecision decision;
  uint32_t rounds;
  uint64_t final_dirty;
};

Outcome simulate(const Trace& trace, const PrecopyParameters& parameters) {
  PrecopyPolicy policy(parameters);
  uint64_t to_send = trace.memory_pages;
  while (true) {
    RoundMeasurement round;
    round.pages_sent = to_send;
    round.wire_bytes = to_send * 4112;
    round.duration_ns = round.wire_bytes * 1'000'000'000 / trace.bandwidth_bytes_per_s;
    round.pages_dirtied =
        std::min(trace.working_set_pages, trace.dirty_pages_per_s * round.duration_ns / 1'000'000'000);
    PrecopyDecision decision = policy.after_round(round);
    if (decision != PrecopyDecision::kAnotherRound) return {decision, policy.rounds(), round.pages_dirtied};
    to_send = round.pages_dirtied;
  }
}

constexpr uint64_t kMiB = 1 << 20;

TEST(PrecopyPolicy, ConvergesWhenDirtyRateIsFarBelowBandwidth) {
  // 64 MiB guest, 10 MiB/s link (~2500 pages/s), 100 pages/s dirtied anywhere.
  Trace trace{16384, 10 * kMiB, 100, 16384};
  Outcome outcome = simulate(trace, PrecopyParameters{});
  EXPECT_EQ(outcome.decision, PrecopyDecision::kStopConverged);
  EXPECT_LE(outcome.rounds, 4u);
  // What is left fits in the 300 ms target: at most ~750 pages at 10 MiB/s.
  EXPECT_LT(outcome.final_dirty, 750u);
}

TEST(PrecopyPolicy, SmallHotWorkingSetConvergesAfterFewRounds) {
  // Fast dirtier, but only 64 hot pages: the set stops shrinking at 64 pages, which
  // goes out in ~26 ms.
  Trace trace{16384, 10 * kMiB, 1'000'000, 64};
  Outcome outcome = simulate(trace, PrecopyParameters{});
  EXPECT_EQ(outcome.decision, PrecopyDecision::kStopConverged);
  EXPECT_EQ(outcome.rounds, 1u);
}

TEST(PrecopyPolicy, StopsForNoProgressWhenDirtyRateMatchesBandwidth) {
  // Dirties 4000 pages/s over a 32 MiB working set on a ~2500 page/s link: the set
  // grows to the working set and stays there.
  Trace trace{16384, 10 * kMiB, 4000, 8192};
  Outcome outcome = simulate(trace, PrecopyParameters{});
  EXPECT_EQ(outcome.decision, PrecopyDecision::kStopNoProgress);
  EXPECT_EQ(outcome.rounds, 1u + PrecopyParameters{}.no_progress_rounds);
}

TEST(PrecopyPolicy, StopsAtTheRoundLimitWhenProgressIsSlow) {
  // Each round shrinks the set by ~12% (dirty rate just under bandwidth): progress, but
  // convergence would take many rounds.
  Trace trace{16384, 10 * kMiB, 2240, 16384};
  PrecopyParameters parameters;
  parameters.max_rounds = 5;
  Outcome outcome = simulate(trace, parameters);
  EXPECT_EQ(outcome.decision, PrecopyDecision::kStopRoundLimit);
  EXPECT_EQ(outcome.rounds, 5u);
}

TEST(PrecopyPolicy, BandwidthIsTotalBytesOverTotalTime) {
  PrecopyPolicy policy(PrecopyParameters{});
  EXPECT_EQ(policy.bandwidth_bytes_per_s(), 0u);
  EXPECT_EQ(policy.estimated_final_ns(1), UINT64_MAX);
  (void)policy.after_round({100, 1'000'000, 1'000'000'000, 90});
  (void)policy.after_round({90, 3'000'000, 1'000'000'000, 80});
  EXPECT_EQ(policy.bandwidth_bytes_per_s(), 2'000'000u);
  // 10 pages of 4113 bytes plus 1024 of state at 2 MB/s.
  EXPECT_EQ(policy.estimated_final_ns(10), (10 * 4113 + 1536) * 1'000'000'000ull / 2'000'000);
}

TEST(PrecopyPolicy, NothingDirtiedConvergesAtOnce) {
  PrecopyPolicy policy(PrecopyParameters{});
  EXPECT_EQ(policy.after_round({16384, 16384 * 4112, 6'000'000'000, 0}), PrecopyDecision::kStopConverged);
  EXPECT_STREQ(to_string(PrecopyDecision::kStopConverged), "converged");
}

// The defaults in PrecopyParameters are the only ones (the kernel and the shell start
// from them): these two tests are written against them, so changing a default there
// changes what they decide.
TEST(PrecopyParameters, TheDefaultDowntimeTargetDecidesConvergence) {
  PrecopyParameters defaults;
  // One round at 1 MiB/s; a dirty set whose estimate lies just under the default target.
  RoundMeasurement round{256, kMiB, 1'000'000'000, 0};
  uint64_t fits = (defaults.downtime_target_ns / 1'000'000 * kMiB / 1000 - defaults.state_bytes) /
                  defaults.page_wire_bytes * 9 / 10;
  round.pages_dirtied = fits;
  EXPECT_EQ(PrecopyPolicy(defaults).after_round(round), PrecopyDecision::kStopConverged);
  PrecopyParameters tighter = defaults;
  tighter.downtime_target_ns = defaults.downtime_target_ns / 2;
  EXPECT_EQ(PrecopyPolicy(tighter).after_round(round), PrecopyDecision::kAnotherRound);
}

TEST(PrecopyParameters, TheDefaultRoundLimitStops) {
  PrecopyParameters defaults;
  defaults.min_progress_percent = 0;  // every round counts as progress
  PrecopyPolicy policy(defaults);
  uint64_t dirty = 1'000'000;  // never within the target
  for (uint32_t n = 1; n < defaults.max_rounds; ++n) {
    ASSERT_EQ(policy.after_round({dirty, 4 * kMiB, 1'000'000'000, --dirty}), PrecopyDecision::kAnotherRound)
        << n;
  }
  EXPECT_EQ(policy.after_round({dirty, 4 * kMiB, 1'000'000'000, --dirty}), PrecopyDecision::kStopRoundLimit);
}

// A dirty set that stays flat is not convergence, even when it fits the target.
TEST(PrecopyPolicy, AFlatDirtySetWithinTheTargetIsNotCalledConverged) {
  PrecopyPolicy policy(PrecopyParameters{});
  // 1031 pages sent, 1031 dirtied meanwhile, at 40 MiB/s: ~100 ms, within 300 ms.
  RoundMeasurement flat{1031, 1031 * 4113, 1031ull * 4113 * 1'000'000'000 / (40 * kMiB), 1031};
  EXPECT_EQ(policy.after_round(flat), PrecopyDecision::kStopWithinTarget);
  EXPECT_STREQ(to_string(PrecopyDecision::kStopWithinTarget), "within target");
  PrecopyPolicy shrinking(PrecopyParameters{});
  RoundMeasurement shrank = flat;
  shrank.pages_dirtied = 500;
  EXPECT_EQ(shrinking.after_round(shrank), PrecopyDecision::kStopConverged);
}

TEST(PrecopyPolicy, TheEstimateIncludesTheStateAndOneRoundTrip) {
  PrecopyParameters parameters;
  PrecopyPolicy policy(parameters);
  (void)policy.after_round({256, kMiB, 1'000'000'000, 100'000});  // 1 MiB/s
  uint64_t transfer = (10 * parameters.page_wire_bytes + parameters.state_bytes) * 1'000'000'000 / kMiB;
  EXPECT_EQ(policy.estimated_final_ns(10), transfer);
  policy.set_round_trip_ns(7'000'000);
  EXPECT_EQ(policy.estimated_final_ns(10), transfer + 7'000'000);
  EXPECT_GT(policy.estimated_final_ns(0), 7'000'000u);  // nothing left still costs the state and the ACK
}

}  // namespace
}  // namespace godwit::migration
