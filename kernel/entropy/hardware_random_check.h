// Health checks on a hardware random number generator (RDRAND) before its words are
// trusted. RDRAND can fail without saying so: some AMD parts returned all ones with CF
// set after a suspend, others a constant, and a driver or emulator bug can do the same.
// Godwit checks each word the way NIST SP 800-90B section 4.4's repetition test does,
// cut down to what a 64-bit word allows, and gives up on the instruction for good at the
// first failure (issue 15, item 10). Pure: the instruction comes in as a callable.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/expected.h"

namespace godwit::entropy {

class HardwareRandomCheck {
 public:
  // Intel's DRNG guide: ten tries make an underflow (CF clear) all but impossible on a
  // working part; more failures than that mean the generator is broken.
  static constexpr int kRetries = 10;
  // A word is refused if it equals any of the last this many accepted words: a working
  // 64-bit generator repeats with probability about 2^-61 here.
  static constexpr size_t kRecentWords = 8;

  enum class Fault : uint8_t {
    kNone,
    kNoEntropy,  // kRetries draws in a row reported failure (CF clear)
    kAllZero,    // 0: a stuck or uninitialised generator
    kAllOnes,    // ~0: the known AMD failure mode
    kRepeated,   // equals a recent word: a stuck or cycling generator
  };

  // Draws one checked word with `draw(uint64_t&) -> bool` (the instruction: true when it
  // delivered a word). Once a check failed, every later call fails with that fault
  // without drawing: a generator that misbehaved once is not trusted again.
  template <class Draw>
  Expected<uint64_t> next(Draw&& draw) {
    if (fault_ != Fault::kNone) return fail(Error::kIo);
    for (int attempt = 0; attempt < kRetries; ++attempt) {
      uint64_t word = 0;
      if (draw(word)) return check(word);
    }
    fault_ = Fault::kNoEntropy;
    return fail(Error::kIo);
  }

  Fault fault() const { return fault_; }
  bool healthy() const { return fault_ == Fault::kNone; }

 private:
  Expected<uint64_t> check(uint64_t word);

  uint64_t recent_[kRecentWords] = {};
  size_t recent_count_ = 0;
  Fault fault_ = Fault::kNone;
};

const char* describe(HardwareRandomCheck::Fault fault);

}  // namespace godwit::entropy
