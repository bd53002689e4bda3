#include "migration/word_hash.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::migration {
namespace {

uint64_t hash_of(const std::vector<uint8_t>& bytes, uint64_t seed = kRecordChecksumSeed) {
  WordHash64 hash(seed);
  hash.add(bytes);
  return hash.finish();
}

TEST(WordHash64, DependsOnSeedContentAndLength) {
  std::vector<uint8_t> data(64, 0);
  EXPECT_NE(hash_of(data, 1), hash_of(data, 2));
  std::vector<uint8_t> longer(72, 0);
  EXPECT_NE(hash_of(data), hash_of(longer));  // zero words still count
  EXPECT_EQ(hash_of(data), hash_of(data));
}

TEST(WordHash64, PartialWordIsZeroPadded) {
  std::vector<uint8_t> short_data{1, 2, 3};
  std::vector<uint8_t> padded_data{1, 2, 3, 0, 0, 0, 0, 0};
  EXPECT_EQ(hash_of(short_data), hash_of(padded_data));
}

TEST(WordHash64, EveryChangeWithinOneWordIsDetected) {
  std::vector<uint8_t> data(256);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  uint64_t reference = hash_of(data);
  for (size_t byte = 0; byte < data.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      data[byte] = static_cast<uint8_t>(data[byte] ^ (1 << bit));
      EXPECT_NE(hash_of(data), reference) << "byte " << byte << " bit " << bit;
      data[byte] = static_cast<uint8_t>(data[byte] ^ (1 << bit));
    }
  }
}

TEST(WordHash64, SwappedWordsDiffer) {
  std::vector<uint8_t> a(16, 0), b(16, 0);
  a[0] = 1;
  b[8] = 1;
  EXPECT_NE(hash_of(a), hash_of(b));
}

}  // namespace
}  // namespace godwit::migration
