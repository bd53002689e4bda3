#include "drivers/virtio/split_virtqueue.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace godwit::virtio {
namespace {

constexpr uint64_t kDeviceBase = 0x10'0000;

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

struct Fixture {
  explicit Fixture(uint16_t size) : memory(SplitVirtqueue::area_bytes(size) + 16), device(aligned(), size) {
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

TEST(SplitVirtqueue, LaysOutTheThreePartsWithSpecAlignment) {
  EXPECT_EQ(SplitVirtqueue::area_bytes(256), 4096u + 518u + 2u + 6u + 2048u);
  Fixture f(8);
  EXPECT_EQ(f.queue.descriptor_address(), kDeviceBase);
  EXPECT_EQ(f.queue.driver_address(), kDeviceBase + 128);
  EXPECT_EQ(f.queue.device_address(), kDeviceBase + f.device.used());
  EXPECT_EQ(f.queue.device_address() % 4, 0u);
}

TEST(SplitVirtqueue, RejectsBadSizesAndAreas) {
  std::vector<uint8_t> memory(SplitVirtqueue::area_bytes(256) + 16);
  SplitVirtqueue q;
  EXPECT_FALSE(q.init(memory, kDeviceBase, 0));
  EXPECT_FALSE(q.init(memory, kDeviceBase, 12));
  EXPECT_FALSE(q.init(memory, kDeviceBase, 512));
  EXPECT_FALSE(q.init({memory.data(), 100}, kDeviceBase, 8));
}

TEST(SplitVirtqueue, BuffersBecomeVisibleOnlyWhenPublished) {
  Fixture f(8);
  auto id = f.queue.add(0x2000, 1526, true);
  ASSERT_TRUE(id);
  EXPECT_EQ(f.device.avail_idx(), 0) << "not published yet";
  EXPECT_TRUE(f.queue.publish());
  EXPECT_FALSE(f.queue.publish()) << "nothing new";
  EXPECT_EQ(f.device.avail_idx(), 1);
  EXPECT_EQ(f.device.avail_entry(0), *id);
  VirtqDescriptor d = f.device.descriptor(*id);
  EXPECT_EQ(d.address, 0x2000u);
  EXPECT_EQ(d.length, 1526u);
  EXPECT_EQ(d.flags, kDescriptorWrite);
}

TEST(SplitVirtqueue, FullRingIsBusyUntilTheDeviceReturnsABuffer) {
  Fixture f(4);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(f.queue.add(0x1000u * (i + 1), 100, false));
  EXPECT_FALSE(f.queue.next_free());
  EXPECT_EQ(f.queue.add(0x9000, 100, false).error(), Error::kBusy);
  f.queue.publish();
  f.device.complete(f.device.consume(), 0);
  auto used = f.queue.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->address, 0x1000u);
  EXPECT_TRUE(used->length_valid) << "length is not checked for device-readable buffers";
  EXPECT_EQ(f.queue.next_free(), used->id);
  EXPECT_TRUE(f.queue.add(0x9000, 100, false));
}

TEST(SplitVirtqueue, IndicesWrapAroundSixteenBits) {
  Fixture f(4);
  // 70000 round trips: both free-running indices wrap past 65535.
  for (uint32_t round = 0; round < 70000; ++round) {
    auto id = f.queue.add(0x4000 + round % 4, 64, true);
    ASSERT_TRUE(id) << round;
    f.queue.publish();
    uint16_t got = f.device.consume();
    ASSERT_EQ(got, *id) << round;
    f.device.complete(got, 60);
    auto used = f.queue.take_used();
    ASSERT_TRUE(used) << round;
    ASSERT_EQ(used->id, *id);
    ASSERT_EQ(used->length, 60u);
    ASSERT_FALSE(f.queue.take_used());
  }
  EXPECT_EQ(f.device.avail_idx(), static_cast<uint16_t>(70000));
  EXPECT_EQ(f.queue.device_errors(), 0u);
}

TEST(SplitVirtqueue, CompletionsOutOfOrderFreeTheRightDescriptors) {
  Fixture f(4);
  auto a = f.queue.add(0xa000, 100, true);
  auto b = f.queue.add(0xb000, 100, true);
  f.queue.publish();
  f.device.complete(*b, 10);
  f.device.complete(*a, 20);
  auto first = f.queue.take_used();
  auto second = f.queue.take_used();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->address, 0xb000u);
  EXPECT_EQ(second->address, 0xa000u);
  EXPECT_EQ(second->length, 20u);
  EXPECT_EQ(f.queue.free_count(), 4u);
}

TEST(SplitVirtqueue, BadIdsFromTheDeviceAreCountedAndSkipped) {
  Fixture f(4);
  auto a = f.queue.add(0xa000, 100, true);
  auto b = f.queue.add(0xb000, 100, true);
  ASSERT_TRUE(f.queue.add(0xc000, 100, true));
  f.queue.publish();
  f.device.complete(7, 10);   // out of range
  f.device.complete(*a, 10);  // good
  f.device.complete(*a, 10);  // no longer in flight
  auto used = f.queue.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->id, *a);
  EXPECT_FALSE(f.queue.take_used());
  EXPECT_EQ(f.queue.device_errors(), 2u);
  EXPECT_FALSE(f.queue.broken());
  f.device.complete(*b, 10);
  EXPECT_TRUE(f.queue.take_used());
}

TEST(SplitVirtqueue, LengthOverTheBufferIsFlagged) {
  Fixture f(4);
  auto a = f.queue.add(0xa000, 100, true);
  f.queue.publish();
  f.device.complete(*a, 101);
  auto used = f.queue.take_used();
  ASSERT_TRUE(used);
  EXPECT_FALSE(used->length_valid);
  EXPECT_EQ(f.queue.device_errors(), 1u);
  EXPECT_EQ(f.queue.free_count(), 4u) << "the buffer is still returned for reuse";
}

TEST(SplitVirtqueue, UsedIndexRunningAheadBreaksTheQueue) {
  Fixture f(4);
  ASSERT_TRUE(f.queue.add(0xa000, 100, true));
  f.queue.publish();
  f.device.set_used_idx(3);  // three completions, one buffer in flight
  EXPECT_FALSE(f.queue.take_used());
  EXPECT_TRUE(f.queue.broken());
  EXPECT_EQ(f.queue.device_errors(), 1u);
}

TEST(SplitVirtqueue, NotificationSuppressionIsHonoured) {
  Fixture f(4);
  ASSERT_TRUE(f.queue.add(0xa000, 100, true));
  f.queue.publish();
  EXPECT_TRUE(f.queue.needs_notify());
  f.device.set_used_flags(kUsedNoNotify);
  EXPECT_FALSE(f.queue.needs_notify());
}

TEST(SplitVirtqueue, RejectsEmptyBuffers) {
  Fixture f(4);
  EXPECT_EQ(f.queue.add(0xa000, 0, true).error(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace godwit::virtio
