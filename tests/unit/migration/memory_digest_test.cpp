// The memory digest of END (decision 0010): kept incrementally as pages are sent and
// received, it must equal the digest of the memory computed afresh, whatever the order
// of sends and re-sends.
#include "migration/memory_digest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace godwit::migration {
namespace {

constexpr uint64_t kPages = 64;

uint64_t full_digest(const std::vector<uint8_t>& memory) {
  MemoryDigest digest(memory.size() / kPageSize);
  auto step = digest.step([&](uint64_t gfn) { return &memory[gfn * kPageSize]; }, UINT64_MAX);
  EXPECT_EQ(step, MemoryDigest::Step::kDone);
  return digest.value();
}

TEST(MemoryDigest, CopyAndHashIsOnePassOfCopyPlusHash) {
  std::vector<uint8_t> page(kPageSize), copy(kPageSize, 0xee);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7 + 3);
  EXPECT_EQ(copy_page_and_hash(copy.data(), page.data()), page_data_hash(page.data()));
  EXPECT_EQ(copy, page);
  std::vector<uint8_t> zero(kPageSize, 0);
  EXPECT_EQ(page_data_hash(zero.data()), kZeroPageDataHash);
}

TEST(MemoryDigest, ContributionsDependOnPlaceAndContent) {
  EXPECT_NE(page_contribution(1, 42), page_contribution(2, 42));
  EXPECT_NE(page_contribution(1, 42), page_contribution(1, 43));
  // Two pages swapped change the sum.
  EXPECT_NE(page_contribution(1, 10) + page_contribution(2, 20),
            page_contribution(1, 20) + page_contribution(2, 10));
}

// Random sequences: pages are sent (written at the destination, recorded in both
// digests) in any order, many re-sent after the guest changed them; the running digest
// always equals the full digest of the memory as last sent.
TEST(MemoryDigest, IncrementalEqualsFullAfterAnySequenceOfSendsAndResends) {
  std::mt19937_64 random(11);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<uint8_t> source(kPages * kPageSize, 0), destination(kPages * kPageSize, 0xee);
    std::vector<uint64_t> terms(kPages);
    IncrementalDigest digest(terms, kPages);
    std::vector<bool> sent(kPages, false);
    for (int step = 0; step < 400; ++step) {
      uint64_t gfn = random() % kPages;
      if (random() % 3 == 0) {  // the guest writes somewhere (maybe making the page zero)
        uint8_t value = random() % 4 == 0 ? 0 : static_cast<uint8_t>(random());
        source[gfn * kPageSize + random() % kPageSize] = value;
        continue;
      }
      const uint8_t* page = &source[gfn * kPageSize];
      uint8_t* to = &destination[gfn * kPageSize];
      bool zero = std::all_of(page, page + kPageSize, [](uint8_t b) { return b == 0; });
      if (zero) {
        std::fill(to, to + kPageSize, 0);
        digest.record_zero(gfn);
      } else {
        digest.record(gfn, copy_page_and_hash(to, page));
      }
      sent[gfn] = true;
    }
    for (uint64_t gfn = 0; gfn < kPages; ++gfn) {  // the last round: every page once more
      digest.record(gfn, copy_page_and_hash(&destination[gfn * kPageSize], &source[gfn * kPageSize]));
    }
    ASSERT_EQ(digest.value(), full_digest(destination)) << "trial " << trial;
    ASSERT_EQ(digest.value(), full_digest(source)) << "trial " << trial;
  }
}

TEST(MemoryDigest, APageChangedAfterItWasSentMakesFullAndIncrementalDiffer) {
  std::vector<uint8_t> memory(kPages * kPageSize, 1);
  std::vector<uint64_t> terms(kPages);
  IncrementalDigest digest(terms, kPages);
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) digest.record(gfn, page_data_hash(&memory[gfn * kPageSize]));
  EXPECT_EQ(digest.value(), full_digest(memory));
  memory[17 * kPageSize + 5] = 2;  // written, never recorded again: what a missed dirty page looks like
  EXPECT_NE(digest.value(), full_digest(memory));
}

}  // namespace
}  // namespace godwit::migration
