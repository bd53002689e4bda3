// RDRAND's health checks, driven by scripted instruction results.
#include "kernel/entropy/hardware_random_check.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::entropy {
namespace {

// Plays back (ok, word) pairs as the instruction would deliver them; counts draws.
struct Script {
  std::vector<std::pair<bool, uint64_t>> results;
  size_t at = 0;
  bool operator()(uint64_t& word) {
    auto [ok, value] = results.at(at++);
    word = value;
    return ok;
  }
};

using Fault = HardwareRandomCheck::Fault;

TEST(HardwareRandomCheck, PassesGoodWordsAndRetriesUnderflows) {
  Script script{{{true, 0x1234}, {false, 0}, {false, 0}, {true, 0x5678}}};
  HardwareRandomCheck check;
  auto a = check.next(script);
  auto b = check.next(script);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, 0x1234u);
  EXPECT_EQ(*b, 0x5678u);
  EXPECT_EQ(script.at, 4u);
  EXPECT_TRUE(check.healthy());
}

TEST(HardwareRandomCheck, GivesUpAfterTenUnderflowsForGood) {
  Script script;
  for (int i = 0; i < HardwareRandomCheck::kRetries; ++i) script.results.push_back({false, 0});
  script.results.push_back({true, 0x9999});
  HardwareRandomCheck check;
  EXPECT_FALSE(check.next(script).ok());
  EXPECT_EQ(check.fault(), Fault::kNoEntropy);
  EXPECT_EQ(script.at, 10u);
  EXPECT_FALSE(check.next(script).ok()) << "a failed generator is not asked again";
  EXPECT_EQ(script.at, 10u);
}

TEST(HardwareRandomCheck, RejectsAllZerosAndAllOnesEvenWithCarrySet) {
  HardwareRandomCheck zero;
  Script zeros{{{true, 0}}};
  EXPECT_FALSE(zero.next(zeros).ok());
  EXPECT_EQ(zero.fault(), Fault::kAllZero);
  HardwareRandomCheck ones;
  Script all_ones{{{true, 0x1}, {true, ~uint64_t{0}}}};
  EXPECT_TRUE(ones.next(all_ones).ok());
  EXPECT_FALSE(ones.next(all_ones).ok());
  EXPECT_EQ(ones.fault(), Fault::kAllOnes);
}

TEST(HardwareRandomCheck, RejectsAStuckOrCyclingGenerator) {
  HardwareRandomCheck stuck;
  Script same{{{true, 42}, {true, 42}}};
  EXPECT_TRUE(stuck.next(same).ok());
  EXPECT_FALSE(stuck.next(same).ok());
  EXPECT_EQ(stuck.fault(), Fault::kRepeated);

  // A cycle shorter than the window is caught; the window slides.
  HardwareRandomCheck cycling;
  Script cycle;
  for (uint64_t i = 0; i < HardwareRandomCheck::kRecentWords; ++i) cycle.results.push_back({true, 100 + i});
  cycle.results.push_back({true, 100 + 3});
  for (size_t i = 0; i < HardwareRandomCheck::kRecentWords; ++i) ASSERT_TRUE(cycling.next(cycle).ok());
  EXPECT_FALSE(cycling.next(cycle).ok());
  EXPECT_EQ(cycling.fault(), Fault::kRepeated);

  HardwareRandomCheck long_ago;
  Script old;
  for (uint64_t i = 0; i <= HardwareRandomCheck::kRecentWords; ++i) old.results.push_back({true, 500 + i});
  old.results.push_back({true, 500});  // the first word, now out of the window
  for (size_t i = 0; i <= HardwareRandomCheck::kRecentWords + 1; ++i)
    EXPECT_TRUE(long_ago.next(old).ok()) << i;
}

TEST(HardwareRandomCheck, EveryFaultHasAMessage) {
  for (Fault fault : {Fault::kNoEntropy, Fault::kAllZero, Fault::kAllOnes, Fault::kRepeated})
    EXPECT_STRNE(describe(fault), describe(Fault::kNone));
}

}  // namespace
}  // namespace godwit::entropy
