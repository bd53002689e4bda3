// The dirtier's self-checking page contents. Pure and header-only: the unit tests run
// the same code the guest does.
//
// Page i of the working set at generation g holds: word 0 = i, word 1 = g, then a run
// of words starting at seed(i, g). A separate table holds every page's generation, and
// because pages are rewritten strictly round-robin, both are also implied by the total
// number of writes W: page i has been written W / pages times, plus one if
// i < W % pages. Checking the page against the table AND the table against W catches a
// page a migration did not re-send (its contents are a generation behind the table) and
// a table page it did not re-send (behind W), which a page-vs-table check alone misses.
#pragma once

#include <cstdint>

namespace godwit::guest::dirtier {

inline constexpr uint64_t kPageBytes = 4096;
inline constexpr uint64_t kWordsPerPage = kPageBytes / 8;

constexpr uint64_t expected_generation(uint64_t page, uint64_t pages, uint64_t writes) {
  return writes / pages + (page < writes % pages ? 1 : 0);
}

// A 64-bit mix (SplitMix64's finalizer), so neighbouring pages and generations differ
// in every word rather than in a few low bits.
constexpr uint64_t seed(uint64_t page, uint64_t generation) {
  uint64_t z = page * 0x9E3779B97F4A7C15ull + generation * 0xD1B54A32D192ED03ull + 1;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
inline constexpr uint64_t kStride = 0x2545F4914F6CDD1Dull;  // odd: the run never repeats

constexpr uint64_t expected_word(uint64_t page, uint64_t generation, uint64_t word) {
  if (word == 0) return page;
  if (word == 1) return generation;
  return seed(page, generation) + (word - 2) * kStride;
}

// Volatile: the point is to read what is in RAM now, never what the compiler remembers
// writing (a migration changes RAM behind the program's back).
inline void fill_page(volatile uint64_t* words, uint64_t page, uint64_t generation) {
  words[0] = page;
  words[1] = generation;
  uint64_t value = seed(page, generation);
  for (uint64_t w = 2; w < kWordsPerPage; ++w, value += kStride) words[w] = value;
}

struct Mismatch {
  uint64_t word = kWordsPerPage;  // kWordsPerPage: none
  uint64_t expected = 0;
  uint64_t found = 0;
  bool any() const { return word < kWordsPerPage; }
};

inline Mismatch check_page(const volatile uint64_t* words, uint64_t page, uint64_t generation) {
  uint64_t value = seed(page, generation);
  for (uint64_t w = 0; w < kWordsPerPage; ++w) {
    uint64_t expected = w == 0 ? page : w == 1 ? generation : value;
    uint64_t found = words[w];
    if (found != expected) return {w, expected, found};
    if (w >= 2) value += kStride;
  }
  return {};
}

}  // namespace godwit::guest::dirtier
