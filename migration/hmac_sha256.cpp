#include "migration/hmac_sha256.h"

#include <cstring>

namespace godwit::migration {

HmacSha256::HmacSha256(std::span<const uint8_t> key) {
  // RFC 2104 section 2: a key longer than the block is hashed first; then zero-padded.
  uint8_t block_key[kSha256BlockSize] = {};
  if (key.size() > kSha256BlockSize) {
    Sha256Digest hashed = Sha256::of(key);
    std::memcpy(block_key, hashed.bytes, kSha256Size);
  } else if (!key.empty()) {
    std::memcpy(block_key, key.data(), key.size());
  }
  uint8_t inner_key[kSha256BlockSize];
  for (size_t i = 0; i < kSha256BlockSize; ++i) {
    inner_key[i] = static_cast<uint8_t>(block_key[i] ^ 0x36);
    outer_key_[i] = static_cast<uint8_t>(block_key[i] ^ 0x5c);
  }
  inner_.update(inner_key);
}

Sha256Digest HmacSha256::finish() {
  Sha256Digest inner = inner_.finish();
  Sha256 outer;
  outer.update(outer_key_);
  outer.update(inner.bytes);
  return outer.finish();
}

bool mac_equal(const Sha256Digest& a, const uint8_t (&b)[kSha256Size]) {
  uint8_t difference = 0;
  for (size_t i = 0; i < kSha256Size; ++i)
    difference = static_cast<uint8_t>(difference | (a.bytes[i] ^ b[i]));
  return difference == 0;
}

}  // namespace godwit::migration
