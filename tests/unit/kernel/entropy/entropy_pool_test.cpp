// The entropy pool: every input changes the output, and output never repeats.
#include "kernel/entropy/entropy_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <vector>

namespace godwit::entropy {
namespace {

using Block = std::array<uint8_t, 32>;

Block draw(EntropyPool& pool) {
  Block out{};
  pool.draw(out);
  return out;
}

TEST(EntropyPool, TheSameInputsGiveTheSameOutputAndAnyDifferenceChangesIt) {
  auto fed = [](uint64_t tsc, Source source) {
    EntropyPool pool;
    pool.add_word(source, tsc);
    const uint8_t clock[] = {0x30, 0x15, 0x09, 0x05, 0x12, 0x24};
    pool.add(Source::kCmosClock, clock);
    return draw(pool);
  };
  EXPECT_EQ(fed(1000, Source::kTsc), fed(1000, Source::kTsc));
  EXPECT_NE(fed(1000, Source::kTsc), fed(1001, Source::kTsc));
  EXPECT_NE(fed(1000, Source::kTsc), fed(1000, Source::kRdrand)) << "the source is part of the input";
}

TEST(EntropyPool, BoundariesBetweenInputsCount) {
  EntropyPool split, joined;
  const uint8_t ab[] = {1, 2}, a[] = {1}, b[] = {2};
  split.add(Source::kTscJitter, a);
  split.add(Source::kTscJitter, b);
  joined.add(Source::kTscJitter, ab);
  EXPECT_NE(draw(split), draw(joined));
}

TEST(EntropyPool, OutputNeverRepeatsEvenWithNoNewInput) {
  // A deterministic emulator without RDRAND may feed the same bytes every time: the
  // nonces must still differ within a boot.
  EntropyPool pool;
  std::set<Block> seen;
  for (int i = 0; i < 1000; ++i) {
    pool.add_word(Source::kTsc, 7);
    EXPECT_TRUE(seen.insert(draw(pool)).second) << "draw " << i;
  }
}

TEST(EntropyPool, LongDrawsAreNotOneBlockRepeated) {
  EntropyPool pool;
  std::vector<uint8_t> out(80, 0);
  pool.draw(out);
  EXPECT_FALSE(std::equal(out.begin(), out.begin() + 32, out.begin() + 32));
  EXPECT_NE(std::count(out.begin() + 64, out.end(), 0), 16) << "the partial last block is filled";
}

TEST(EntropyPool, RecordsWhichSourcesContributed) {
  EntropyPool pool;
  EXPECT_EQ(pool.sources(), 0u);
  pool.add_word(Source::kRdrand, 5);
  pool.add_word(Source::kCmosClock, 6);
  EXPECT_EQ(pool.sources(), (1u << 1) | (1u << 3));
}

TEST(DistinctValues, CountsUpToTheLimit) {
  const uint64_t constant[] = {36, 36, 36, 36, 36};
  const uint64_t varied[] = {36, 40, 36, 52, 38, 40, 90};
  EXPECT_EQ(distinct_values(constant, 8), 1u);
  EXPECT_EQ(distinct_values(varied, 8), 5u);
  EXPECT_EQ(distinct_values(varied, 3), 3u);
  EXPECT_EQ(distinct_values({}, 8), 0u);
}

}  // namespace
}  // namespace godwit::entropy
