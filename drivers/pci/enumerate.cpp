#include "drivers/pci/enumerate.h"

namespace godwit::pci {

namespace {

constexpr unsigned kBuses = 256;
constexpr uint8_t kDevices = 32;
constexpr uint8_t kFunctions = 8;
constexpr uint8_t kMultiFunction = 0x80;

PciFunction describe(ConfigSpace& config, PciAddress at, uint16_t vendor) {
  uint32_t class_word = config.read32(at, reg::kRevision);
  PciFunction f;
  f.address = at;
  f.vendor = vendor;
  f.device = config.read16(at, reg::kDeviceId);
  f.class_code = static_cast<uint8_t>(class_word >> 24);
  f.subclass = static_cast<uint8_t>(class_word >> 16);
  f.prog_if = static_cast<uint8_t>(class_word >> 8);
  f.header_type = config.read8(at, reg::kHeaderType) & 0x7fu;
  return f;
}

}  // namespace

size_t enumerate(ConfigSpace& config, std::span<PciFunction> out) {
  size_t found = 0;
  for (unsigned bus = 0; bus < kBuses; ++bus) {
    for (uint8_t device = 0; device < kDevices; ++device) {
      PciAddress first{static_cast<uint8_t>(bus), device, 0};
      if (config.read16(first, reg::kVendorId) == kNoVendor) continue;
      bool multi = (config.read8(first, reg::kHeaderType) & kMultiFunction) != 0;
      uint8_t functions = multi ? kFunctions : 1;
      for (uint8_t function = 0; function < functions; ++function) {
        PciAddress at{static_cast<uint8_t>(bus), device, function};
        uint16_t vendor = config.read16(at, reg::kVendorId);
        if (vendor == kNoVendor) continue;
        if (found < out.size()) out[found] = describe(config, at, vendor);
        ++found;
      }
    }
  }
  return found;
}

void enable_device(ConfigSpace& config, PciAddress at) {
  uint16_t value = config.read16(at, reg::kCommand);
  value |= command::kIoSpace | command::kMemorySpace | command::kBusMaster | command::kInterruptDisable;
  config.write16(at, reg::kCommand, value);
}

void format_address(Sink& out, PciAddress at) {
  format(out, "{:02x}:{:02x}.{}", at.bus, at.device, at.function);
}

}  // namespace godwit::pci
