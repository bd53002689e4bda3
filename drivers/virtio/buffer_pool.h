// A run of equal DMA buffers, one per descriptor: where the CPU sees them and where the
// device does (in the image the same number; in the unit tests, not). Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::virtio {

struct BufferPool {
  uint8_t* base = nullptr;
  uint64_t device_address = 0;
  uint32_t buffer_bytes = 0;
  uint16_t count = 0;

  std::span<uint8_t> buffer(uint16_t index) const {
    return {base + size_t{index} * buffer_bytes, buffer_bytes};
  }
  uint64_t address(uint16_t index) const { return device_address + uint64_t{index} * buffer_bytes; }
  // The buffer a device address names; empty when it is not the start of one.
  std::span<uint8_t> at(uint64_t address) const {
    uint64_t offset = address - device_address;
    if (address < device_address || offset % buffer_bytes != 0 || offset / buffer_bytes >= count) return {};
    return buffer(static_cast<uint16_t>(offset / buffer_bytes));
  }
};

}  // namespace godwit::virtio
