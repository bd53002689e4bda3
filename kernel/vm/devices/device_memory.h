// Guest RAM as an emulated device reaches it: checked copies only (kernel/vm/guest_ram.h),
// and every write reported, because a device's writes bypass the second-level tables and
// so would escape the write-protect dirty tracking that live migration relies on.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/vm/guest_ram.h"
#include "lib/expected.h"

namespace godwit::devices {

// Told of every range a device wrote into guest RAM (the kernel marks those pages dirty).
class DeviceWriteLog {
 public:
  virtual void wrote(uint64_t gpa, uint64_t bytes) = 0;

 protected:
  ~DeviceWriteLog() = default;
};

class DeviceMemory {
 public:
  DeviceMemory(GuestRam& ram, DeviceWriteLog* log) : ram_(&ram), log_(log) {}

  uint64_t size_bytes() const { return ram_->size_bytes(); }
  bool valid(uint64_t gpa, uint64_t bytes) const { return guest_range_valid(*ram_, gpa, bytes); }
  // kRange (nothing copied) when the range leaves guest RAM.
  Status read(uint64_t gpa, std::span<uint8_t> out) const { return copy_from_guest(*ram_, gpa, out); }
  Status write(uint64_t gpa, std::span<const uint8_t> in) {
    if (auto status = copy_to_guest(*ram_, gpa, in); !status) return status;
    if (log_ != nullptr && !in.empty()) log_->wrote(gpa, in.size());
    return ok();
  }
  Status read_u16(uint64_t gpa, uint16_t& value) const;
  Status write_u16(uint64_t gpa, uint16_t value);

 private:
  GuestRam* ram_;
  DeviceWriteLog* log_;
};

}  // namespace godwit::devices
