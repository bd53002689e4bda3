// HKDF with HMAC-SHA-256 (RFC 5869) over BearSSL: the key schedule of the migration
// stream's record protection (migration/record_protection.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::migration {

inline constexpr size_t kHkdfSha256MaxOutput = size_t{255} * 32;  // RFC 5869 section 2.3

class HkdfSha256 {
 public:
  // HKDF-Extract(salt, ikm). An empty salt is the RFC's "not provided" (32 zero bytes:
  // HMAC pads a short key with zeros, so the two are the same key).
  HkdfSha256(std::span<const uint8_t> salt, std::span<const uint8_t> ikm);

  // HKDF-Expand(PRK, info, out.size()); may be called again with other `info`. Returns
  // false, with `out` untouched, when more than kHkdfSha256MaxOutput bytes are asked for.
  [[nodiscard]] bool expand(std::span<const uint8_t> info, std::span<uint8_t> out) const;

 private:
  // A br_hkdf_context after br_hkdf_flip, kept opaque so this header does not pull
  // BearSSL's headers into every user; copied for each expand.
  alignas(8) uint8_t state_[512] = {};
};

}  // namespace godwit::migration
