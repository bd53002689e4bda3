#include "migration/word_hash.h"

#include <cstring>

namespace godwit::migration {

void WordHash64::add(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  size_t left = bytes.size();
  for (; left >= 8; left -= 8, p += 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);  // one unaligned load on x86
    add_word(word);
  }
  if (left != 0) {
    uint64_t word = 0;
    std::memcpy(&word, p, left);
    add_word(word);
  }
}

uint64_t WordHash64::finish() const {
  // Length, then an avalanche so that nearby states end far apart.
  uint64_t h = state_ ^ words_;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return h;
}

}  // namespace godwit::migration
