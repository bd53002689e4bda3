#include "drivers/virtio/split_virtqueue.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/drivers/virtio/fake_virtio_device.h"

namespace godwit::virtio {
namespace {

using testing::FakeDevice;
using testing::kDeviceBase;
using testing::QueueFixture;
using Fixture = QueueFixture;

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
