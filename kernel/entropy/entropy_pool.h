// Mixes every source of unpredictability the hypervisor has (checked RDRAND words, TSC
// jitter, the CMOS clock, the TSC itself) through SHA-256 into one 32-byte chaining
// value, and draws output from it. No single source has to be good: the output is as
// unpredictable as the best source that went in. Under a deterministic emulator with no
// RDRAND every timing source may be predictable; the pool still never repeats an output
// within a boot (a counter and the chaining value move on with every draw), and the
// CMOS clock separates boots. The record keys of stream version 3 take both nodes' nonces, so
// one node with a good source is enough for fresh keys (docs/migration-stream.md).
// Pure: the sources are read by kernel/migrate/nonce.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::entropy {

enum class Source : uint8_t {
  kRdrand = 1,     // checked by HardwareRandomCheck
  kTscJitter = 2,  // raw differences between back-to-back TSC reads around PAUSE
  kCmosClock = 3,  // the real-time clock's registers: differs between boots
  kTsc = 4,        // the TSC at the time of the draw
};

class EntropyPool {
 public:
  EntropyPool();

  // chain = SHA-256(chain || source || length || bytes): order, source and boundaries
  // all count, so no two different input sequences share a state short of a collision.
  void add(Source source, std::span<const uint8_t> bytes);
  void add_word(Source source, uint64_t word);

  // Fills `out` with SHA-256(chain || "out" || counter) blocks and then moves the chain
  // on (SHA-256(chain || "next" || counter)), so output never repeats and an output does
  // not reveal the state that produced later ones.
  void draw(std::span<uint8_t> out);

  // Bit (1 << source) set for every source that contributed since construction.
  uint32_t sources() const { return sources_; }

 private:
  uint8_t chain_[32] = {};
  uint64_t counter_ = 0;
  uint32_t sources_ = 0;
};

// How many distinct values `deltas` holds, at most `limit` counted: TSC jitter whose
// differences are all the same (a deterministic emulator's clock) adds nothing, and the
// caller says so.
size_t distinct_values(std::span<const uint64_t> deltas, size_t limit);

}  // namespace godwit::entropy
