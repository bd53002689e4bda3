// HMAC-SHA-256 (RFC 2104 with SHA-256; test vectors in RFC 4231), the keyed MAC that
// authenticates a migration's HEADER and ACK with the key both nodes were given
// (docs/migration-stream.md, section 5).
#pragma once

#include <span>

#include "migration/sha256.h"

namespace godwit::migration {

class HmacSha256 {
 public:
  explicit HmacSha256(std::span<const uint8_t> key);
  void update(std::span<const uint8_t> data) { inner_.update(data); }
  Sha256Digest finish();

 private:
  uint8_t outer_key_[kSha256BlockSize] = {};  // key ^ opad, kept for the outer hash
  Sha256 inner_;
};

// True when the two MACs are equal; takes the same time wherever they differ, so a
// peer cannot guess a MAC byte by byte from response times.
bool mac_equal(const Sha256Digest& a, const uint8_t (&b)[kSha256Size]);

}  // namespace godwit::migration
