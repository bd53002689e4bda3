// Guest RAM for device tests: one contiguous block, so a test can also run the real
// driver-side SplitVirtqueue (drivers/virtio) over it, and can corrupt any byte.
#pragma once

#include <cstring>
#include <vector>

#include "kernel/vm/devices/device_memory.h"
#include "kernel/vm/guest_ram.h"

namespace godwit::devices {

class FakeGuestRam final : public GuestRam {
 public:
  explicit FakeGuestRam(size_t pages) : bytes_(pages * kGuestPageSize) {}
  uint64_t size_bytes() const override { return bytes_.size(); }
  uint8_t* page(uint64_t gfn) override {
    return gfn < bytes_.size() / kGuestPageSize ? bytes_.data() + gfn * kGuestPageSize : nullptr;
  }
  uint8_t* at(uint64_t gpa) { return bytes_.data() + gpa; }
  void put16(uint64_t gpa, uint16_t v) { std::memcpy(at(gpa), &v, 2); }
  void put32(uint64_t gpa, uint32_t v) { std::memcpy(at(gpa), &v, 4); }
  void put64(uint64_t gpa, uint64_t v) { std::memcpy(at(gpa), &v, 8); }
  uint16_t get16(uint64_t gpa) {
    uint16_t v;
    std::memcpy(&v, at(gpa), 2);
    return v;
  }
  uint32_t get32(uint64_t gpa) {
    uint32_t v;
    std::memcpy(&v, at(gpa), 4);
    return v;
  }

 private:
  std::vector<uint8_t> bytes_;
};

// Remembers every range a device wrote.
class RecordingWriteLog final : public DeviceWriteLog {
 public:
  void wrote(uint64_t gpa, uint64_t bytes) override { ranges.push_back({gpa, bytes}); }
  struct Range {
    uint64_t gpa, bytes;
  };
  std::vector<Range> ranges;
};

}  // namespace godwit::devices
