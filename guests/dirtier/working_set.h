// The dirtier's working set: the pages, their generation table and the counters that
// tie them together (see pattern.h for why three copies of the truth). Pure and
// header-only: the unit tests make pages go stale behind its back, as a migration that
// forgot to re-send one would, and check that it notices.
#pragma once

#include <cstdint>

#include "guests/dirtier/pattern.h"

namespace godwit::guest::dirtier {

// What a check found wrong; nothing when !found.
struct Corruption {
  bool found = false;
  uint64_t page = 0;
  uint64_t table_generation = 0;     // what the table says
  uint64_t expected_generation = 0;  // what the write count implies
  Mismatch words;                    // words.any() when the page disagrees with the table
};

class WorkingSet {
 public:
  // `table` holds `pages` entries; page i lives at guest address base + i * kPageBytes.
  WorkingSet(volatile uint64_t* table, uint64_t base, uint64_t pages)
      : table_(table), base_(base), pages_(pages) {}

  // Generation 0 everywhere; the checker starts half a set away from the writer.
  void initialize() {
    for (uint64_t i = 0; i < pages_; ++i) {
      fill_page(page(i), i, 0);
      table_[i] = 0;
    }
    check_cursor_ = pages_ / 2;
  }

  // Checks page i against the table and the table against the write count.
  Corruption verify(uint64_t i) {
    Corruption c;
    c.page = i;
    c.expected_generation = expected_generation(i, pages_, writes_);
    c.table_generation = table_[i];
    if (c.table_generation == c.expected_generation) c.words = check_page(page(i), i, c.expected_generation);
    c.found = c.table_generation != c.expected_generation || c.words.any();
    ++verified_;
    return c;
  }

  // Rewrites the next page round-robin, after verifying it: a stale page must be caught
  // before the rewrite would hide it.
  Corruption write_next() {
    uint64_t i = writes_ % pages_;
    Corruption c = verify(i);
    if (c.found) return c;
    uint64_t generation = table_[i] + 1;
    fill_page(page(i), i, generation);
    table_[i] = generation;
    ++writes_;
    return c;
  }

  // Verifies the checker's next page; a wrap completes a pass.
  Corruption check_next() {
    Corruption c = verify(check_cursor_);
    ++checks_;
    if (++check_cursor_ == pages_) {
      check_cursor_ = 0;
      ++passes_;
    }
    return c;
  }

  volatile uint64_t* page(uint64_t i) const {
    return reinterpret_cast<volatile uint64_t*>(base_ + i * kPageBytes);  // NOLINT(performance-no-int-to-ptr)
  }
  uint64_t base() const { return base_; }
  uint64_t pages() const { return pages_; }
  uint64_t writes() const { return writes_; }
  uint64_t verified() const { return verified_; }  // by the writer and the checker
  uint64_t checks() const { return checks_; }      // by the checker alone
  uint64_t passes() const { return passes_; }      // whole sweeps of the checker

 private:
  volatile uint64_t* table_;
  uint64_t base_;
  uint64_t pages_;
  uint64_t writes_ = 0;
  uint64_t verified_ = 0;
  uint64_t checks_ = 0;
  uint64_t check_cursor_ = 0;
  uint64_t passes_ = 0;
};

}  // namespace godwit::guest::dirtier
