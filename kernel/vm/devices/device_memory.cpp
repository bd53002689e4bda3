#include "kernel/vm/devices/device_memory.h"

namespace godwit::devices {

// Rings are little-endian (virtio 1.x), as is x86.
Status DeviceMemory::read_u16(uint64_t gpa, uint16_t& value) const {
  uint8_t bytes[2];
  if (auto status = read(gpa, bytes); !status) return status;
  value = static_cast<uint16_t>(bytes[0] | bytes[1] << 8);
  return ok();
}

Status DeviceMemory::write_u16(uint64_t gpa, uint16_t value) {
  const uint8_t bytes[2] = {static_cast<uint8_t>(value), static_cast<uint8_t>(value >> 8)};
  return write(gpa, bytes);
}

}  // namespace godwit::devices
