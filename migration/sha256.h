// SHA-256 (FIPS 180-4, section 6.2), for migration authentication only: it runs over a
// few hundred bytes per migration (HMAC of the header and the acknowledgement), never
// over guest memory, so it is written for clarity, not speed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::migration {

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kSha256BlockSize = 64;

struct Sha256Digest {
  uint8_t bytes[kSha256Size] = {};
};

class Sha256 {
 public:
  Sha256();
  void update(std::span<const uint8_t> data);
  // Pads, processes the last block(s) and returns the digest; the object is spent.
  Sha256Digest finish();

  static Sha256Digest of(std::span<const uint8_t> data);

 private:
  void compress(const uint8_t* block);

  uint32_t h_[8] = {};
  uint8_t block_[kSha256BlockSize] = {};
  size_t block_used_ = 0;
  uint64_t total_bytes_ = 0;
};

}  // namespace godwit::migration
