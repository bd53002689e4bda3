// Converts TSC cycles to nanoseconds and back with one multiply and shift, so the hot
// path never divides.
#pragma once

#include <cstdint>

namespace godwit {

class TscConverter {
 public:
  TscConverter() = default;
  explicit TscConverter(uint64_t hz);

  uint64_t hz() const { return hz_; }
  uint64_t to_ns(uint64_t cycles) const;
  uint64_t to_cycles(uint64_t ns) const;

 private:
  uint64_t hz_ = 0;
  uint64_t ns_per_cycle_32 = 0;   // 2^32 * 1e9 / hz
  uint64_t cycles_per_ns_32 = 0;  // 2^32 * hz / 1e9
};

}  // namespace godwit
