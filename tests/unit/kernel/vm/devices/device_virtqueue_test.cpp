#include "kernel/vm/devices/device_virtqueue.h"

#include <gtest/gtest.h>

#include "drivers/virtio/split_virtqueue.h"
#include "tests/unit/kernel/vm/devices/fake_guest_ram.h"

namespace godwit::devices {
namespace {

constexpr uint64_t kArea = 0x1000;
constexpr uint16_t kSize = 8;

// The real driver-side ring (drivers/virtio) in fake guest RAM, and the device's side.
struct Rings {
  FakeGuestRam ram{16};
  RecordingWriteLog log;
  DeviceMemory memory{ram, &log};
  virtio::SplitVirtqueue driver;
  DeviceVirtqueue device;
  FixedString<160> why;

  Rings() {
    EXPECT_TRUE(driver.init({ram.at(kArea), virtio::SplitVirtqueue::area_bytes(kSize)}, kArea, kSize));
    EXPECT_TRUE(device.configure(memory, layout(), why.sink()));
  }
  VirtqueueLayout layout() const {
    return {kSize, driver.descriptor_address(), driver.driver_address(), driver.device_address()};
  }
  uint64_t descriptor(uint16_t i) const { return kArea + 16u * i; }
  // Makes the device see `head` as the next available chain, behind the driver's back.
  void make_available(uint16_t head) {
    uint16_t idx = ram.get16(driver.driver_address() + 2);
    ram.put16(driver.driver_address() + 4 + 2 * (idx % kSize), head);
    ram.put16(driver.driver_address() + 2, static_cast<uint16_t>(idx + 1));
  }
  void set_descriptor(uint16_t i, uint64_t gpa, uint32_t length, uint16_t flags, uint16_t next) {
    ram.put64(descriptor(i), gpa);
    ram.put32(descriptor(i) + 8, length);
    ram.put16(descriptor(i) + 12, flags);
    ram.put16(descriptor(i) + 14, next);
  }
};

TEST(DeviceVirtqueue, TakesWhatTheDriverAddsAndReturnsIt) {
  Rings r;
  auto id = r.driver.add(0x8000, 100, true);
  ASSERT_TRUE(id);
  r.driver.publish();
  auto chain = r.device.pop(r.memory, r.why.sink());
  ASSERT_TRUE(chain);
  ASSERT_TRUE(chain->has_value());
  EXPECT_EQ((*chain)->head, *id);
  ASSERT_EQ((*chain)->count, 1u);
  EXPECT_EQ((*chain)->buffers[0].gpa, 0x8000u);
  EXPECT_EQ((*chain)->writable_bytes, 100u);
  EXPECT_FALSE(r.device.pop(r.memory, r.why.sink())->has_value());  // nothing more

  ASSERT_TRUE(r.device.push(r.memory, *id, 60, r.why.sink()));
  auto used = r.driver.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->id, *id);
  EXPECT_EQ(used->length, 60u);
  EXPECT_TRUE(used->length_valid);
  // The used element and index writes were reported (for dirty tracking).
  ASSERT_EQ(r.log.ranges.size(), 2u);
  EXPECT_EQ(r.log.ranges[1].gpa, r.driver.device_address() + 2);
}

TEST(DeviceVirtqueue, IndicesWrapAround) {
  Rings r;
  for (int round = 0; round < 70000 / kSize; ++round) {
    for (int i = 0; i < kSize; ++i) ASSERT_TRUE(r.driver.add(0x8000, 64, false));
    r.driver.publish();
    for (int i = 0; i < kSize; ++i) {
      auto chain = r.device.pop(r.memory, r.why.sink());
      ASSERT_TRUE(chain && chain->has_value());
      ASSERT_TRUE(r.device.push(r.memory, (*chain)->head, 0, r.why.sink()));
    }
    while (r.driver.take_used()) {
    }
  }
  EXPECT_EQ(r.device.next_avail(), static_cast<uint16_t>(70000 / kSize * kSize));
}

TEST(DeviceVirtqueue, FollowsChainsReadableThenWritable) {
  Rings r;
  r.set_descriptor(2, 0x8000, 12, 1, 5);
  r.set_descriptor(5, 0x9000, 100, 1 | 2, 7);
  r.set_descriptor(7, 0xa000, 200, 2, 0);
  r.make_available(2);
  auto chain = r.device.pop(r.memory, r.why.sink());
  ASSERT_TRUE(chain && chain->has_value());
  EXPECT_EQ((*chain)->count, 3u);
  EXPECT_EQ((*chain)->readable_bytes, 12u);
  EXPECT_EQ((*chain)->writable_bytes, 300u);
}

TEST(DeviceVirtqueue, RefusesALoopInAChain) {
  Rings r;
  r.set_descriptor(1, 0x8000, 16, 1, 3);
  r.set_descriptor(3, 0x8000, 16, 1, 1);  // back to 1
  r.make_available(1);
  auto chain = r.device.pop(r.memory, r.why.sink());
  ASSERT_FALSE(chain);
  EXPECT_EQ(chain.error(), Error::kMalformed);
  EXPECT_NE(r.why.view().find("longer than"), std::string_view::npos) << r.why.view();
}

TEST(DeviceVirtqueue, RefusesASelfLoop) {
  Rings r;
  r.set_descriptor(0, 0x8000, 16, 1, 0);
  r.make_available(0);
  EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
}

TEST(DeviceVirtqueue, RefusesIndicesOutOfRange) {
  {
    Rings r;
    r.make_available(kSize);  // head past the table
    EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
    EXPECT_NE(r.why.view().find("names descriptor 8"), std::string_view::npos) << r.why.view();
  }
  {
    Rings r;
    r.set_descriptor(0, 0x8000, 16, 1, 200);  // next past the table
    r.make_available(0);
    EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
  }
  {
    Rings r;
    r.ram.put16(r.driver.driver_address() + 2, kSize + 1);  // index runs too far ahead
    EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
    EXPECT_NE(r.why.view().find("runs 9 ahead"), std::string_view::npos) << r.why.view();
  }
}

TEST(DeviceVirtqueue, RefusesBuffersOutsideRam) {
  Rings r;
  uint64_t end = r.ram.size_bytes();
  r.set_descriptor(0, end - 8, 16, 0, 0);           // straddles the end
  r.set_descriptor(1, ~uint64_t{0} - 4, 16, 0, 0);  // wraps around
  r.set_descriptor(2, end, 1, 0, 0);
  for (uint16_t head = 0; head < 3; ++head) {
    r.make_available(head);
    auto chain = r.device.pop(r.memory, r.why.sink());
    ASSERT_FALSE(chain) << head;
    EXPECT_EQ(chain.error(), Error::kRange);
    r.device.reset();
    ASSERT_TRUE(r.device.restore(r.memory, r.layout(), static_cast<uint16_t>(head + 1), 0, r.why.sink()));
  }
}

TEST(DeviceVirtqueue, RefusesIndirectAndMisorderedDescriptors) {
  {
    Rings r;
    r.set_descriptor(0, 0x8000, 16, 4, 0);
    r.make_available(0);
    EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
  }
  {
    Rings r;
    r.set_descriptor(0, 0x8000, 16, 1 | 2, 1);  // writable, then readable
    r.set_descriptor(1, 0x9000, 16, 0, 0);
    r.make_available(0);
    EXPECT_EQ(r.device.pop(r.memory, r.why.sink()).error(), Error::kMalformed);
  }
}

TEST(DeviceVirtqueue, ConfigureChecksTheLayout) {
  FakeGuestRam ram(4);
  DeviceMemory memory(ram, nullptr);
  FixedString<160> why;
  DeviceVirtqueue q;
  EXPECT_FALSE(q.configure(memory, {0, 0x1000, 0x1100, 0x1200}, why.sink()));
  EXPECT_FALSE(q.configure(memory, {6, 0x1000, 0x1100, 0x1200}, why.sink()));    // not a power of two
  EXPECT_FALSE(q.configure(memory, {512, 0x1000, 0x1100, 0x1200}, why.sink()));  // too large
  EXPECT_FALSE(q.configure(memory, {8, 0x1008, 0x1100, 0x1200}, why.sink()));    // misaligned table
  EXPECT_FALSE(q.configure(memory, {8, 0x1000, 0x1101, 0x1200}, why.sink()));
  EXPECT_FALSE(q.configure(memory, {8, 0x1000, 0x1100, 0x1202}, why.sink()));
  EXPECT_EQ(q.configure(memory, {8, 0x1000, 0x1100, 0x3FF8}, why.sink()).error(), Error::kRange);
  EXPECT_EQ(q.configure(memory, {8, ~uint64_t{0xF}, 0x1100, 0x1200}, why.sink()).error(), Error::kRange);
  EXPECT_FALSE(q.configured());
  EXPECT_TRUE(q.configure(memory, {8, 0x1000, 0x1100, 0x1200}, why.sink()));
  FixedString<160> unused;
  DeviceVirtqueue never;
  EXPECT_EQ(never.pop(memory, unused.sink()).error(), Error::kState);
}

}  // namespace
}  // namespace godwit::devices
