// WordHash64: Godwit's fast 64-bit integrity hash, eight bytes per step, for the
// per-record stream checksum and the whole-memory digest (docs/migration-stream.md,
// section 2). Not cryptographic: it detects accidents, not attackers. Chosen because
// the hypervisor has no SSE and Bochs runs ~100 M instructions/s: a byte-wise CRC
// would cost seconds per 64 MiB, this costs about 7 instructions per 8 bytes.
// Every step is a bijection of the state for a fixed word, so a change confined to
// one aligned word always changes the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::migration {

class WordHash64 {
 public:
  explicit WordHash64(uint64_t seed) : state_(seed ^ 0x243f6a8885a308d3ull) {}

  void add_word(uint64_t word) {
    state_ ^= word * kMultiplyWord;
    state_ = ((state_ << 31) | (state_ >> 33)) * kMultiplyState;
    ++words_;
  }
  // Adds `bytes` as little-endian words; a last partial word is zero-padded, exactly
  // as a record body is padded on the wire.
  void add(std::span<const uint8_t> bytes);
  uint64_t finish() const;

 private:
  // Odd constants (so each multiply is a bijection) with well-mixed bits.
  static constexpr uint64_t kMultiplyWord = 0x9e3779b97f4a7c15ull;
  static constexpr uint64_t kMultiplyState = 0xc2b2ae3d27d4eb4full;

  uint64_t state_;
  uint64_t words_ = 0;
};

inline constexpr uint64_t kRecordChecksumSeed = 0x676f647769747263ull;  // "godwitrc"
inline constexpr uint64_t kMemoryDigestSeed = 0x676f647769746d64ull;    // "godwitmd"

}  // namespace godwit::migration
