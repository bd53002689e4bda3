#include "kernel/vm/devices/device_memory.h"

namespace godwit::devices {

bool DeviceMemory::here(uint64_t gpa, uint64_t bytes) const {
  if (presence_ == nullptr || bytes == 0 || !valid(gpa, bytes)) return true;
  bool whole = true;
  for (uint64_t gfn = gpa / kGuestPageSize; gfn <= (gpa + bytes - 1) / kGuestPageSize; ++gfn) {
    if (presence_->present(gfn)) continue;
    presence_->fetch(gfn);
    whole = false;
  }
  return whole;
}

Status DeviceMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
  if (!here(gpa, out.size())) return fail(Error::kBusy);
  return copy_from_guest(*ram_, gpa, out);
}

Status DeviceMemory::write(uint64_t gpa, std::span<const uint8_t> in) {
  if (!here(gpa, in.size())) return fail(Error::kBusy);
  if (auto status = copy_to_guest(*ram_, gpa, in); !status) return status;
  if (log_ != nullptr && !in.empty()) log_->wrote(gpa, in.size());
  return ok();
}

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
