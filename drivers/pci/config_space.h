// PCI configuration space behind an interface, so enumeration, BAR sizing and the
// capability walk are pure and run under GoogleTest over a fake (PCI Local Bus
// Specification 3.0, ch. 6). The image uses PortConfigSpace (mechanism #1).
#pragma once

#include <cstdint>

namespace godwit::pci {

struct PciAddress {
  uint8_t bus = 0;
  uint8_t device = 0;    // 0..31
  uint8_t function = 0;  // 0..7
};

// Offsets are within the 256-byte conventional space; 16- and 32-bit accesses are
// naturally aligned (callers guarantee it; the port implementation masks).
class ConfigSpace {
 public:
  virtual uint8_t read8(PciAddress at, uint8_t offset) = 0;
  virtual uint16_t read16(PciAddress at, uint8_t offset) = 0;
  virtual uint32_t read32(PciAddress at, uint8_t offset) = 0;
  virtual void write16(PciAddress at, uint8_t offset, uint16_t value) = 0;
  virtual void write32(PciAddress at, uint8_t offset, uint32_t value) = 0;

 protected:
  ~ConfigSpace() = default;
};

// Type 0/1 header registers (PCI 3.0, 6.1).
namespace reg {
inline constexpr uint8_t kVendorId = 0x00;
inline constexpr uint8_t kDeviceId = 0x02;
inline constexpr uint8_t kCommand = 0x04;
inline constexpr uint8_t kStatus = 0x06;
inline constexpr uint8_t kRevision = 0x08;  // then prog-if, subclass, class
inline constexpr uint8_t kHeaderType = 0x0e;
inline constexpr uint8_t kBar0 = 0x10;
inline constexpr uint8_t kCapabilitiesPointer = 0x34;
}  // namespace reg

namespace command {
inline constexpr uint16_t kIoSpace = 1u << 0;
inline constexpr uint16_t kMemorySpace = 1u << 1;
inline constexpr uint16_t kBusMaster = 1u << 2;
inline constexpr uint16_t kInterruptDisable = 1u << 10;
}  // namespace command

inline constexpr uint16_t kStatusCapabilitiesList = 1u << 4;
inline constexpr uint16_t kNoVendor = 0xffff;

}  // namespace godwit::pci
