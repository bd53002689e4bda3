// The loadgen's floating-point work: a chain of double-precision SSE operations whose
// every result bit depends on every earlier one (a logistic map in its chaotic range),
// so a register that a guest switch or a migration fails to keep changes the result.
// The interface is integers only: this file is the only one of the guest compiled with
// SSE (guests/CMakeLists.txt), and the rest is built -mgeneral-regs-only.
// The same arithmetic, in the same order, is in tests/integration/fp_reference.py:
// IEEE 754 double operations are exactly rounded, so both get the same bits.
#pragma once

#include <cstdint>

namespace godwit::guest::loadgen {

inline constexpr uint32_t kBlockIterations = 1000;

// Block `k`'s result: x0 = 0.5 + k * 2^-20 (exact), then kBlockIterations times
// x = 3.9 * x * (1 - x) and y = y * 0.999 + x / (1 + x), from y = 1; the bits of x
// and y, combined. Deterministic: it depends on k alone.
uint64_t fp_block(uint64_t k);

// The running digest over blocks 0, 1, ... (FNV-1a-like over each block's result).
constexpr uint64_t kDigestStart = 0xcbf29ce484222325ull;
constexpr uint64_t digest_step(uint64_t digest, uint64_t block_result) {
  return (digest ^ block_result) * 0x100000001b3ull;
}

}  // namespace godwit::guest::loadgen
