#include "kernel/vm/devices/virtio_net_device.h"

#include <gtest/gtest.h>

#include <vector>

#include "drivers/virtio/split_virtqueue.h"
#include "godwit/virtio_mmio.h"
#include "tests/unit/kernel/vm/devices/fake_guest_ram.h"
#include "tests/unit/kernel/vm/devices/virtio_net_test_guest.h"

namespace godwit::devices {
namespace {

using testing::Frames;
using testing::Guest;
using testing::kBuffers;
using testing::kTxArea;
using testing::test_frame;
namespace mmio = virtio_mmio;

TEST(VirtioNetDevice, HandshakeAndConfigSpace) {
  Guest g;
  g.start();
  EXPECT_EQ(g.rd(mmio::kConfig), 0x12005452u);
  EXPECT_EQ(g.rd(mmio::kConfig + 4), 0x00015634u);  // MAC bytes 4-5, link up
}

TEST(VirtioNetDevice, TransmitsAndReceivesFrames) {
  Guest g;
  g.start();
  auto out = test_frame(60, 1);
  g.queue_tx(out, 0x20000);
  g.wr(mmio::kQueueNotify, 1);
  EXPECT_TRUE(g.device.take_transmit_kick());
  Frames sink;
  ASSERT_EQ(*g.device.transmit(sink, 32), 1u);
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0], out);
  EXPECT_TRUE(g.tx.take_used());

  EXPECT_FALSE(*g.device.receive(test_frame(100, 9)));  // no buffer posted yet
  EXPECT_EQ(g.device.counters().rx_no_buffer, 1u);
  g.post_rx_buffers(2);
  auto in = test_frame(1514, 7);
  ASSERT_TRUE(*g.device.receive(in));
  auto used = g.rx.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->length, 12u + 1514u);
  EXPECT_EQ(g.ram.get16(used->address + 10), 1u);  // num_buffers
  EXPECT_EQ(std::vector<uint8_t>(g.ram.at(used->address + 12), g.ram.at(used->address + 12) + 1514), in);
}

TEST(VirtioNetDevice, TransmitBudgetLeavesTheRest) {
  Guest g;
  g.start();
  for (int i = 0; i < 5; ++i) g.queue_tx(test_frame(64, static_cast<uint8_t>(i)), 0x20000 + 0x800 * i);
  Frames sink;
  EXPECT_EQ(*g.device.transmit(sink, 3), 3u);
  EXPECT_EQ(*g.device.transmit(sink, 3), 2u);
  EXPECT_EQ(sink.sent[4][0], 4);
}

TEST(VirtioNetDevice, NothingMovesBeforeDriverOk) {
  Guest g;
  Frames sink;
  EXPECT_EQ(*g.device.transmit(sink, 8), 0u);
  EXPECT_FALSE(*g.device.receive(test_frame(64, 0)));
  EXPECT_EQ(g.device.counters().rx_not_ready, 1u);
}

TEST(VirtioNetDevice, RefusesFeaturesItDidNotOffer) {
  Guest g;
  g.wr(mmio::kStatus, mmio::kStatusAcknowledge | mmio::kStatusDriver);
  g.wr(mmio::kDriverFeaturesSel, 0);
  g.wr(mmio::kDriverFeatures, 1 << 5);  // MAC but no VERSION_1: legacy, refused
  g.wr(mmio::kStatus, mmio::kStatusAcknowledge | mmio::kStatusDriver | mmio::kStatusFeaturesOk);
  EXPECT_FALSE(g.rd(mmio::kStatus) & mmio::kStatusFeaturesOk);
  EXPECT_FALSE(g.device.write(mmio::kStatus, 4, 0x0f));  // DRIVER_OK without FEATURES_OK
  EXPECT_TRUE(g.device.broken());
  EXPECT_NE(g.device.fault().find("DRIVER_OK without FEATURES_OK"), std::string_view::npos);
}

TEST(VirtioNetDevice, BadRegisterAccessesBreakIt) {
  struct Case {
    bool write;
    uint64_t offset;
    uint8_t size;
  };
  for (Case c :
       {Case{false, mmio::kQueueNotify, 4}, Case{true, mmio::kMagicValue, 4}, Case{false, mmio::kStatus, 2},
        Case{false, 0x102, 4}, Case{false, 0x800, 4}, Case{true, mmio::kConfig, 4}, Case{true, 0x0b0, 4}}) {
    Guest g;
    Status result = c.write ? g.device.write(c.offset, c.size, 1)
                            : Status(g.device.read(c.offset, c.size) ? ok() : fail(Error::kInvalidArgument));
    EXPECT_FALSE(result) << c.offset;
    EXPECT_TRUE(g.device.broken()) << c.offset;
    EXPECT_FALSE(g.device.fault().empty());
    EXPECT_FALSE(g.device.read(mmio::kMagicValue, 4));  // stays broken
  }
}

TEST(VirtioNetDevice, QueueOutsideRamOrChangedWhileReadyBreaksIt) {
  {
    Guest g;
    g.wr(mmio::kQueueSel, 0);
    g.wr(mmio::kQueueNum, 8);
    g.wr(mmio::kQueueDescLow, 0x3FFFF0);  // past the 256 KiB of RAM
    EXPECT_FALSE(g.device.write(mmio::kQueueReady, 4, 1));
    EXPECT_NE(g.device.fault().find("outside guest RAM"), std::string_view::npos) << g.device.fault();
  }
  {
    Guest g;
    g.start();
    g.wr(mmio::kQueueSel, 1);
    EXPECT_FALSE(g.device.write(mmio::kQueueDescLow, 4, 0x8000));
    EXPECT_TRUE(g.device.broken());
  }
  {
    Guest g;
    g.wr(mmio::kQueueSel, 7);
    EXPECT_EQ(g.rd(mmio::kQueueNumMax), 0u);
    EXPECT_FALSE(g.device.write(mmio::kQueueNum, 4, 8));
    Guest h;
    EXPECT_FALSE(h.device.write(mmio::kQueueNotify, 4, 2));
  }
}

TEST(VirtioNetDevice, MalformedTransmitChainsBreakIt) {
  auto expect_broken = [](auto setup) {
    Guest g;
    g.start();
    setup(g);
    Frames sink;
    EXPECT_FALSE(g.device.transmit(sink, 8));
    EXPECT_TRUE(g.device.broken());
    EXPECT_TRUE(sink.sent.empty());
  };
  expect_broken([](Guest& g) {  // only a header
    ASSERT_TRUE(g.tx.add(0x20000, 12, false));
    g.tx.publish();
  });
  expect_broken([](Guest& g) {  // longer than a frame
    ASSERT_TRUE(g.tx.add(0x20000, 12 + 1515, false));
    g.tx.publish();
  });
  expect_broken([](Guest& g) {  // a writable buffer in a transmit chain
    ASSERT_TRUE(g.tx.add(0x20000, 100, true));
    g.tx.publish();
  });
  expect_broken([](Guest& g) {  // checksum offload asked for, never negotiated
    g.queue_tx(test_frame(60, 0), 0x20000);
    g.ram.at(0x20000)[0] = 1;
  });
  expect_broken([](Guest& g) {  // a descriptor pointing outside RAM
    ASSERT_TRUE(g.tx.add(0x20000, 100, false));
    g.ram.put64(kTxArea, 0x7FFFFFFF0000);
    g.tx.publish();
  });
}

TEST(VirtioNetDevice, SmallReceiveBuffersBreakIt) {
  Guest g;
  g.start();
  ASSERT_TRUE(g.rx.add(kBuffers, 1000, true));
  g.rx.publish();
  EXPECT_FALSE(g.device.receive(test_frame(64, 0)));
  EXPECT_NE(g.device.fault().find("needs 1526 writable"), std::string_view::npos) << g.device.fault();
}

TEST(VirtioNetDevice, ReceiveWritesAreLoggedForDirtyTracking) {
  Guest g;
  g.start();
  g.post_rx_buffers(1);
  g.log.ranges.clear();
  ASSERT_TRUE(*g.device.receive(test_frame(100, 0)));
  bool buffer_logged = false;
  for (const auto& r : g.log.ranges)
    buffer_logged |= r.gpa <= kBuffers + 12 && r.gpa + r.bytes >= kBuffers + 112;
  EXPECT_TRUE(buffer_logged);
}

TEST(VirtioNetDevice, SaveAndLoadContinueTheQueues) {
  Guest g;
  g.start();
  g.post_rx_buffers(4);
  ASSERT_TRUE(*g.device.receive(test_frame(80, 3)));
  g.queue_tx(test_frame(60, 4), 0x20000);
  VirtioNetState saved = g.device.save();
  EXPECT_EQ(saved.queues[0].next_avail, 1);
  EXPECT_EQ(saved.queues[0].next_used, 1);

  // A fresh device over the same RAM (as on the destination) picks up where it stopped.
  VirtioNetDevice moved(DeviceMemory(g.ram, nullptr), net::MacAddress{});
  ASSERT_TRUE(moved.load(saved)) << moved.fault();
  EXPECT_TRUE(moved.running());
  EXPECT_EQ(moved.mac().bytes[5], 0x56);
  EXPECT_TRUE(moved.take_transmit_kick());
  Frames sink;
  EXPECT_EQ(*moved.transmit(sink, 8), 1u);
  ASSERT_TRUE(*moved.receive(test_frame(90, 5)));
  EXPECT_TRUE(g.rx.take_used());
  auto second = g.rx.take_used();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->length, 102u);
  EXPECT_FALSE(g.rx.broken());

  VirtioNetState bad = saved;
  bad.queues[1].device = 0x3FFFFC;  // the used ring would leave RAM
  VirtioNetDevice refused(DeviceMemory(g.ram, nullptr), net::MacAddress{});
  EXPECT_FALSE(refused.load(bad));
  EXPECT_FALSE(refused.running());
}

}  // namespace
}  // namespace godwit::devices
