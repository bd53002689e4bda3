// Compiled with SSE (see fp_work.h): doubles live in XMM registers for the whole loop,
// across every VM exit that interrupts it.
#include "guests/loadgen/fp_work.h"

#include <bit>

namespace godwit::guest::loadgen {

uint64_t fp_block(uint64_t k) {
  double x = 0.5 + static_cast<double>(k % (1u << 18)) * (1.0 / 1048576.0);  // in [0.5, 0.75)
  double y = 1.0;
  for (uint32_t i = 0; i < kBlockIterations; ++i) {
    x = 3.9 * x * (1.0 - x);
    y = y * 0.999 + x / (1.0 + x);
  }
  uint64_t xb = std::bit_cast<uint64_t>(x), yb = std::bit_cast<uint64_t>(y);
  return xb ^ (yb << 1 | yb >> 63);
}

}  // namespace godwit::guest::loadgen
