// The END record's digest of a guest's whole memory (WordHash64, gfn order), computed
// a bounded number of pages at a time so the main loop keeps servicing the network
// while 64 MiB are hashed (about half a second under Bochs).
#pragma once

#include <cstdint>
#include <span>

#include "migration/stream_format.h"
#include "migration/word_hash.h"

namespace godwit::migration {

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
      hash_.add(std::span<const uint8_t>(page, kPageSize));
    }
    return next_ == pages_ ? Step::kDone : Step::kMore;
  }
  uint64_t value() const { return hash_.finish(); }
  uint64_t failed_gfn() const { return next_; }

 private:
  WordHash64 hash_{kMemoryDigestSeed};
  uint64_t pages_;
  uint64_t next_ = 0;
};

}  // namespace godwit::migration
