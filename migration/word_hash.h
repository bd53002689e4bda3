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
  explicit constexpr WordHash64(uint64_t seed) : state_(seed ^ 0x243f6a8885a308d3ull) {}

  constexpr void add_word(uint64_t word) {
    state_ = step(state_, word);
    ++words_;
  }
  // Adds `bytes` as little-endian words; a last partial word is zero-padded, exactly
  // as a record body is padded on the wire.
  void add(std::span<const uint8_t> bytes);
  constexpr uint64_t finish() const {
    // Length, then an avalanche so that nearby states end far apart.
    uint64_t h = state_ ^ words_;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 32;
    return h;
  }
  // The state after the words added so far, for a caller that runs the step in its own
  // loop (copy_page_and_hash) and hands it back with resume().
  uint64_t state() const { return state_; }
  void resume(uint64_t state, uint64_t words_added) {
    state_ = state;
    words_ += words_added;
  }
  static constexpr uint64_t step(uint64_t state, uint64_t word) {
    state ^= word * kMultiplyWord;
    return ((state << 31) | (state >> 33)) * kMultiplyState;
  }

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
