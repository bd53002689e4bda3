#include "drivers/pci/port_config_space.h"

#include "arch/x86/cpu/intrinsics.h"

namespace godwit::pci {

namespace {

constexpr uint16_t kAddressPort = 0xcf8;
constexpr uint16_t kDataPort = 0xcfc;

// Bit 31 enables the cycle; the low two offset bits select the byte lane at 0xCFC.
void select(PciAddress at, uint8_t offset) {
  uint32_t address = (1u << 31) | (uint32_t{at.bus} << 16) | (uint32_t{at.device & 0x1fu} << 11) |
                     (uint32_t{at.function & 0x7u} << 8) | (offset & 0xfcu);
  x86::outl(kAddressPort, address);
}

uint16_t data_port(uint8_t offset) { return static_cast<uint16_t>(kDataPort + (offset & 3u)); }

}  // namespace

uint8_t PortConfigSpace::read8(PciAddress at, uint8_t offset) {
  select(at, offset);
  return x86::inb(data_port(offset));
}

uint16_t PortConfigSpace::read16(PciAddress at, uint8_t offset) {
  select(at, offset);
  return x86::inw(data_port(offset & 0xfe));
}

uint32_t PortConfigSpace::read32(PciAddress at, uint8_t offset) {
  select(at, offset);
  return x86::inl(kDataPort);
}

void PortConfigSpace::write16(PciAddress at, uint8_t offset, uint16_t value) {
  select(at, offset);
  x86::outw(data_port(offset & 0xfe), value);
}

void PortConfigSpace::write32(PciAddress at, uint8_t offset, uint32_t value) {
  select(at, offset);
  x86::outl(kDataPort, value);
}

PortConfigSpace& port_config_space() {
  static constinit PortConfigSpace instance;
  return instance;
}

}  // namespace godwit::pci
