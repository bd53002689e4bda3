// The capability list (PCI 3.0, 6.7): a chain of {id, next} headers in config space
// starting at 0x34. The walk trusts nothing: pointers must stay inside the
// device-specific area [0x40, 0x100), and a list longer than that area can hold (a loop)
// is rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/pci/config_space.h"
#include "lib/expected.h"

namespace godwit::pci {

struct Capability {
  uint8_t id = 0;
  uint8_t offset = 0;  // of the capability header in config space
};

inline constexpr uint8_t kCapabilityVendor = 0x09;
inline constexpr uint8_t kCapabilityMsix = 0x11;
// The most capabilities that fit: 4-byte aligned headers in 192 bytes.
inline constexpr size_t kMaxCapabilities = (0x100 - 0x40) / 4;

// Stores the capabilities in list order into `out` and returns how many there are
// (0 when the status register announces no list). kMalformed for a pointer outside
// [0x40, 0xfc] or a list that does not end within kMaxCapabilities entries.
Expected<size_t> list_capabilities(ConfigSpace& config, PciAddress at,
                                   std::span<Capability, kMaxCapabilities> out);

}  // namespace godwit::pci
