#include <gtest/gtest.h>

#include <vector>

#include "drivers/virtio_net/rx_queue.h"
#include "drivers/virtio_net/tx_queue.h"
#include "drivers/virtio_net/virtio_net_defs.h"
#include "tests/unit/drivers/virtio/fake_virtio_device.h"

namespace godwit::virtio_net {
namespace {

using virtio::testing::QueueFixture;

constexpr uint64_t kPoolAddress = 0x80'0000;
constexpr uint32_t kBufferBytes = 2048;

struct Collector final : net::FrameReceiver {
  void receive(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
  std::vector<std::vector<uint8_t>> frames;
};

struct Fixture : QueueFixture {
  explicit Fixture(uint16_t size = 4) : QueueFixture(size), memory(size_t{kBufferBytes} * size) {
    pool = virtio::BufferPool{memory.data(), kPoolAddress, kBufferBytes, size};
  }
  // The device side: writes a header and `frame_bytes` of pattern into the next buffer.
  void receive(uint32_t frame_bytes, uint8_t pattern = 0x5a) {
    uint16_t id = device.consume();
    virtio::VirtqDescriptor d = device.descriptor(id);
    std::span<uint8_t> buffer = pool.at(d.address);
    ASSERT_FALSE(buffer.empty());
    uint32_t used = static_cast<uint32_t>(sizeof(NetHeader)) + frame_bytes;
    for (uint32_t i = sizeof(NetHeader); i < used && i < buffer.size(); ++i) buffer[i] = pattern;
    device.complete(id, used);
  }
  std::vector<uint8_t> memory;
  virtio::BufferPool pool;
  net::NicCounters counters;
  Collector collector;
};

TEST(VirtioNetRxQueue, KeepsEveryDescriptorPostedWithAWholeBuffer) {
  Fixture f;
  RxQueue rx;
  rx.init(f.queue, f.pool);
  EXPECT_TRUE(rx.refill());
  EXPECT_EQ(f.device.avail_idx(), 4);
  EXPECT_EQ(f.queue.free_count(), 0u);
  virtio::VirtqDescriptor d = f.device.descriptor(f.device.avail_entry(0));
  EXPECT_EQ(d.length, kBufferBytes);
  EXPECT_EQ(d.flags, virtio::kDescriptorWrite);
  EXPECT_FALSE(rx.refill()) << "nothing new to publish";
}

TEST(VirtioNetRxQueue, DeliversFramesWithoutTheHeaderAndReposts) {
  Fixture f;
  RxQueue rx;
  rx.init(f.queue, f.pool);
  rx.refill();
  f.receive(60, 0x11);
  f.receive(1514, 0x22);
  EXPECT_EQ(rx.poll(f.collector, 16, f.counters), 2u);
  ASSERT_EQ(f.collector.frames.size(), 2u);
  EXPECT_EQ(f.collector.frames[0], std::vector<uint8_t>(60, 0x11));
  EXPECT_EQ(f.collector.frames[1].size(), 1514u);
  EXPECT_EQ(f.counters.rx_frames, 2u);
  EXPECT_EQ(f.counters.rx_bytes, 60u + 1514u);
  EXPECT_EQ(f.queue.free_count(), 0u) << "both buffers posted again";
  EXPECT_TRUE(rx.refill());
  EXPECT_EQ(f.device.avail_idx(), 6);
}

TEST(VirtioNetRxQueue, DropsAndCountsRuntsOversizedAndImpossibleLengths) {
  Fixture f;
  RxQueue rx;
  rx.init(f.queue, f.pool);
  rx.refill();
  f.receive(13);    // runt
  f.receive(1515);  // over Nic::kMaxFrame
  uint16_t id = f.device.consume();
  f.device.complete(id, kBufferBytes + 1);  // more than the buffer holds
  f.receive(64);
  EXPECT_EQ(rx.poll(f.collector, 16, f.counters), 1u);
  EXPECT_EQ(f.collector.frames.size(), 1u);
  EXPECT_EQ(f.counters.rx_dropped, 3u);
  EXPECT_EQ(f.counters.errors, 1u) << "only the impossible length is a device error";
  EXPECT_EQ(f.queue.free_count(), 0u) << "dropped buffers are reposted too";
}

TEST(VirtioNetRxQueue, BadIdFromTheDeviceIsAnErrorNotACrash) {
  Fixture f;
  RxQueue rx;
  rx.init(f.queue, f.pool);
  rx.refill();
  f.device.complete(9, 100);  // no such descriptor
  f.receive(60);
  EXPECT_EQ(rx.poll(f.collector, 16, f.counters), 1u);
  EXPECT_EQ(f.counters.errors, 1u);
}

TEST(VirtioNetRxQueue, BudgetLeavesTheRestForTheNextPoll) {
  Fixture f;
  RxQueue rx;
  rx.init(f.queue, f.pool);
  rx.refill();
  for (int i = 0; i < 3; ++i) f.receive(60);
  EXPECT_EQ(rx.poll(f.collector, 2, f.counters), 2u);
  EXPECT_EQ(rx.poll(f.collector, 2, f.counters), 1u);
  EXPECT_EQ(f.counters.rx_frames, 3u);
}

TEST(VirtioNetTxQueue, PrefixesAZeroHeaderAndPublishes) {
  Fixture f;
  TxQueue tx;
  tx.init(f.queue, f.pool);
  std::vector<uint8_t> head(14, 0xee), body(50, 0x33);
  std::span<const uint8_t> pieces[] = {head, body};
  for (auto& b : f.memory) b = 0xff;
  auto kick = tx.send(pieces, f.counters);
  ASSERT_TRUE(kick);
  EXPECT_TRUE(*kick);
  EXPECT_EQ(f.device.avail_idx(), 1);
  virtio::VirtqDescriptor d = f.device.descriptor(f.device.avail_entry(0));
  EXPECT_EQ(d.length, 12u + 64u);
  EXPECT_EQ(d.flags, 0) << "device-readable";
  std::span<uint8_t> buffer = f.pool.at(d.address);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(buffer[i], 0) << i;
  EXPECT_EQ(buffer[12], 0xee);
  EXPECT_EQ(buffer[12 + 14], 0x33);
  EXPECT_EQ(f.counters.tx_frames, 1u);
  EXPECT_EQ(f.counters.tx_bytes, 64u);
}

TEST(VirtioNetTxQueue, FullQueueIsBusyAndCountedUntilTheDeviceFinishes) {
  Fixture f;
  TxQueue tx;
  tx.init(f.queue, f.pool);
  std::vector<uint8_t> frame(60, 1);
  std::span<const uint8_t> pieces[] = {frame};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(tx.send(pieces, f.counters));
  EXPECT_EQ(tx.send(pieces, f.counters).error(), Error::kBusy);
  EXPECT_EQ(f.counters.tx_dropped, 1u);
  f.device.complete(f.device.consume(), 0);
  EXPECT_TRUE(tx.send(pieces, f.counters)) << "send reclaims first";
  EXPECT_EQ(f.counters.tx_frames, 5u);
}

TEST(VirtioNetTxQueue, RejectsRuntAndOversizedFrames) {
  Fixture f;
  TxQueue tx;
  tx.init(f.queue, f.pool);
  std::vector<uint8_t> runt(13), big(1515);
  std::span<const uint8_t> p1[] = {runt};
  std::span<const uint8_t> p2[] = {big};
  EXPECT_EQ(tx.send(p1, f.counters).error(), Error::kInvalidArgument);
  EXPECT_EQ(tx.send(p2, f.counters).error(), Error::kInvalidArgument);
  EXPECT_EQ(f.queue.free_count(), 4u);
  EXPECT_EQ(f.counters.tx_frames, 0u);
}

}  // namespace
}  // namespace godwit::virtio_net
