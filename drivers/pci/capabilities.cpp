#include "drivers/pci/capabilities.h"

namespace godwit::pci {

namespace {
constexpr uint8_t kFirstCapability = 0x40;
constexpr uint8_t kLastCapability = 0xfc;
}  // namespace

Expected<size_t> list_capabilities(ConfigSpace& config, PciAddress at,
                                   std::span<Capability, kMaxCapabilities> out) {
  if ((config.read16(at, reg::kStatus) & kStatusCapabilitiesList) == 0) return size_t{0};
  // The bottom two bits of every pointer are reserved (PCI 3.0, 6.7).
  uint8_t next = config.read8(at, reg::kCapabilitiesPointer) & 0xfcu;
  size_t count = 0;
  while (next != 0) {
    if (next < kFirstCapability || next > kLastCapability) return fail(Error::kMalformed);
    if (count == kMaxCapabilities) return fail(Error::kMalformed);  // it loops
    uint16_t header = config.read16(at, next);
    out[count++] = Capability{static_cast<uint8_t>(header), next};
    next = static_cast<uint8_t>(header >> 8) & 0xfcu;
  }
  return count;
}

}  // namespace godwit::pci
