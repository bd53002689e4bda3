// Base address registers: what each BAR decodes to and how large it is (PCI 3.0,
// 6.2.5.1). The size is probed by writing all ones and reading back which address bits
// stick, with decoding turned off meanwhile so the device never answers at the probe
// address; the original values are restored.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/pci/config_space.h"
#include "lib/expected.h"

namespace godwit::pci {

struct Bar {
  enum class Kind : uint8_t { kUnused, kIo, kMemory32, kMemory64 };
  Kind kind = Kind::kUnused;
  bool prefetchable = false;
  uint64_t base = 0;
  uint64_t size = 0;
  bool is_memory() const { return kind == Kind::kMemory32 || kind == Kind::kMemory64; }
};

inline constexpr unsigned kBarCount = 6;

// Decodes BAR `index` (0..5) as a lower or only half; kUnused when unimplemented.
// kMalformed for a 64-bit BAR in slot 5 or a reserved memory type; kInvalidArgument for
// index > 5. Use read_bars() unless the index is known to start a BAR.
Expected<Bar> read_bar(ConfigSpace& config, PciAddress at, unsigned index);

// All six, the upper half of each 64-bit BAR reported as kUnused.
Status read_bars(ConfigSpace& config, PciAddress at, std::span<Bar, kBarCount> out);

}  // namespace godwit::pci
