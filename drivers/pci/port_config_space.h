// Configuration mechanism #1: an address written to port 0xCF8, data through 0xCFC
// (PCI Local Bus Specification 3.0, 3.2.2.3.2). Image only.
#pragma once

#include "drivers/pci/config_space.h"

namespace godwit::pci {

class PortConfigSpace final : public ConfigSpace {
 public:
  uint8_t read8(PciAddress at, uint8_t offset) override;
  uint16_t read16(PciAddress at, uint8_t offset) override;
  uint32_t read32(PciAddress at, uint8_t offset) override;
  void write16(PciAddress at, uint8_t offset, uint16_t value) override;
  void write32(PciAddress at, uint8_t offset, uint32_t value) override;
};

// The one instance: config accesses are two port writes that must not interleave, and
// Godwit touches PCI only from the main loop.
PortConfigSpace& port_config_space();

}  // namespace godwit::pci
