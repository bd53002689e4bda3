// The END record's memory digest (docs/migration-stream.md, END; decision 0010): the
// sum, modulo 2^64, of one contribution per page, each a mix of the page's gfn and the
// WordHash64 of its 4096 bytes. A sum of per-page terms can be kept up to date as pages
// go out and come in: recording a page again subtracts its earlier term and adds the
// new one, so END costs nothing while the guest is paused (IncrementalDigest). The
// same value computed afresh over memory (MemoryDigest, a bounded number of pages at a
// time) is verify mode's full comparison, which also catches a write the dirty log
// missed.
#pragma once

#include <cstdint>
#include <span>

#include "migration/stream_format.h"
#include "migration/word_hash.h"

namespace godwit::migration {

// WordHash64 (seed kMemoryDigestSeed) of a page's 4096 bytes.
uint64_t page_data_hash(const uint8_t* page);
// Copies a page and returns page_data_hash of it, in one pass over the bytes: each word
// is loaded once, stored, and hashed.
uint64_t copy_page_and_hash(uint8_t* to, const uint8_t* from);

inline constexpr uint64_t kZeroPageDataHash = [] {
  WordHash64 hash(kMemoryDigestSeed);
  for (uint32_t i = 0; i < kPageSize / 8; ++i) hash.add_word(0);
  return hash.finish();
}();

// A page's term in the digest: its data hash bound to its gfn, so that equal pages at
// different places, or two pages swapped, still change the sum.
constexpr uint64_t page_contribution(uint64_t gfn, uint64_t data_hash) {
  WordHash64 mix(data_hash);
  mix.add_word(gfn);
  return mix.finish();
}

// The digest of the pages as last recorded, kept as they are recorded. `terms` holds
// one word per page (each page's current term; 0 = never recorded, so a page never
// recorded adds nothing: the coverage check catches it).
class IncrementalDigest {
 public:
  IncrementalDigest() = default;
  // Zeroes terms.first(page_count); `terms` must hold at least page_count words.
  IncrementalDigest(std::span<uint64_t> terms, uint64_t page_count);

  // Page `gfn` (< page_count) now holds data whose page_data_hash is `data_hash`.
  void record(uint64_t gfn, uint64_t data_hash) {
    uint64_t term = page_contribution(gfn, data_hash);
    sum_ += term - terms_[gfn];
    terms_[gfn] = term;
  }
  void record_zero(uint64_t gfn) { record(gfn, kZeroPageDataHash); }
  uint64_t value() const { return sum_; }

 private:
  std::span<uint64_t> terms_;
  uint64_t sum_ = 0;
};

// The digest of all of a guest's memory as it is now, computed a bounded number of
// pages at a time so the main loop keeps servicing the network meanwhile.
class MemoryDigest {
 public:
  explicit MemoryDigest(uint64_t page_count) : pages_(page_count) {}

  enum class Step { kMore, kDone, kNoPage };
  // Hashes up to `budget` more pages, reading them with page_at(gfn) -> const uint8_t*.
  template <class PageAt>
  Step step(PageAt&& page_at, uint64_t budget) {
    for (; next_ < pages_ && budget > 0; ++next_, --budget) {
      const uint8_t* page = page_at(next_);
      if (page == nullptr) return Step::kNoPage;
      sum_ += page_contribution(next_, page_data_hash(page));
    }
    return next_ == pages_ ? Step::kDone : Step::kMore;
  }
  uint64_t value() const { return sum_; }
  uint64_t failed_gfn() const { return next_; }

 private:
  uint64_t pages_;
  uint64_t next_ = 0;
  uint64_t sum_ = 0;
};

}  // namespace godwit::migration
