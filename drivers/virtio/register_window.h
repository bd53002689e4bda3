// A device's register region (one virtio structure inside a BAR) behind an interface, so
// the transport's handshake runs under GoogleTest over a fake; MmioWindow in the image.
#pragma once

#include <cstdint>

namespace godwit::virtio {

class RegisterWindow {
 public:
  virtual uint8_t read8(uint32_t offset) = 0;
  virtual uint16_t read16(uint32_t offset) = 0;
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual void write8(uint32_t offset, uint8_t value) = 0;
  virtual void write16(uint32_t offset, uint16_t value) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;

 protected:
  ~RegisterWindow() = default;
};

// Makes a region of physical address space accessible; nullptr when it cannot (e.g. it
// lies above what the hypervisor maps). Windows live as long as the hypervisor.
class WindowMapper {
 public:
  virtual RegisterWindow* map(uint64_t address, uint32_t length) = 0;

 protected:
  ~WindowMapper() = default;
};

}  // namespace godwit::virtio
