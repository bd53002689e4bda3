// Plays a virtio device over a split virtqueue's memory for the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "drivers/virtio/split_virtqueue.h"

namespace godwit::virtio::testing {

inline constexpr uint64_t kDeviceBase = 0x10'0000;

// Plays the device over the queue's memory, reading and writing the split-ring layout
// as the spec lays it out (2.6), independently of the class under test.
class FakeDevice {
 public:
  FakeDevice(uint8_t* area, uint16_t size) : area_(area), size_(size) {}

  uint16_t avail_idx() const { return word(avail() + 2); }
  uint16_t avail_entry(uint16_t slot) const { return word(avail() + 4 + 2 * (slot % size_)); }
  VirtqDescriptor descriptor(uint16_t id) const {
    VirtqDescriptor d;
    std::memcpy(&d, area_ + 16 * id, sizeof d);
    return d;
  }
  // Takes the next available buffer (as a device would) and returns its id.
  uint16_t consume() { return avail_entry(seen_++); }
  void complete(uint32_t id, uint32_t length) {
    uint16_t idx = word(used() + 2);
    uint8_t* entry = area_ + used() + 4 + 8 * (idx % size_);
    std::memcpy(entry, &id, 4);
    std::memcpy(entry + 4, &length, 4);
    set_used_idx(static_cast<uint16_t>(idx + 1));
  }
  void set_used_idx(uint16_t idx) { std::memcpy(area_ + used() + 2, &idx, 2); }
  void set_used_flags(uint16_t flags) { std::memcpy(area_ + used(), &flags, 2); }
  size_t used() const { return (avail() + 6 + 2u * size_ + 3) & ~size_t{3}; }

 private:
  size_t avail() const { return 16u * size_; }
  uint16_t word(size_t offset) const {
    uint16_t v;
    std::memcpy(&v, area_ + offset, 2);
    return v;
  }
  uint8_t* area_;
  uint16_t size_;
  uint16_t seen_ = 0;
};

struct QueueFixture {
  explicit QueueFixture(uint16_t size)
      : memory(SplitVirtqueue::area_bytes(size) + 16), device(aligned(), size) {
    EXPECT_TRUE(queue.init({aligned(), SplitVirtqueue::area_bytes(size)}, kDeviceBase, size));
  }
  uint8_t* aligned() {
    auto p = reinterpret_cast<uintptr_t>(memory.data());
    return memory.data() + ((16 - (p & 15)) & 15);
  }
  std::vector<uint8_t> memory;
  SplitVirtqueue queue;
  FakeDevice device;
};

}  // namespace godwit::virtio::testing
