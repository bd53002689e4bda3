#include "migration/memory_digest.h"

namespace godwit::migration {

IncrementalDigest::IncrementalDigest(std::span<uint64_t> terms, uint64_t page_count)
    : terms_(terms.first(page_count)) {
  for (uint64_t& term : terms_) term = 0;
}

uint64_t page_data_hash(const uint8_t* page) {
  WordHash64 hash(kMemoryDigestSeed);
  hash.add(std::span<const uint8_t>(page, kPageSize));
  return hash.finish();
}

// The state lives in a local and the words move with __builtin_memcpy, as in
// WordHash64::add (word_hash.cpp): one load, one store and the hash step per word.
uint64_t copy_page_and_hash(uint8_t* to, const uint8_t* from) {
  WordHash64 hash(kMemoryDigestSeed);
  uint64_t state = hash.state();
  for (uint32_t offset = 0; offset < kPageSize; offset += 16) {
    uint64_t a, b;
    __builtin_memcpy(&a, from + offset, 8);
    __builtin_memcpy(&b, from + offset + 8, 8);
    __builtin_memcpy(to + offset, &a, 8);
    __builtin_memcpy(to + offset + 8, &b, 8);
    state = WordHash64::step(WordHash64::step(state, a), b);
  }
  hash.resume(state, kPageSize / 8);
  return hash.finish();
}

}  // namespace godwit::migration
