// The virtio-net device on a post-copy destination, where some of the guest's pages are
// still on the source (decision 0024): a ring, a descriptor, a buffer or the used ring on
// an absent page stops the device before it consumes or writes anything, the pages are
// asked for, and the same work succeeds once they have come.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "kernel/vm/devices/device_virtqueue.h"
#include "kernel/vm/devices/virtio_net_device.h"
#include "tests/unit/kernel/vm/devices/fake_guest_ram.h"
#include "tests/unit/kernel/vm/devices/virtio_net_test_guest.h"

namespace godwit::devices {
namespace {

using testing::FakePresence;
using testing::Frames;
using testing::Guest;
using testing::kBuffers;
using testing::kRxArea;
using testing::kTxArea;
using testing::test_frame;

constexpr uint64_t kTxFrame = 0x20000;

uint64_t gfn_of(uint64_t gpa) { return gpa / kGuestPageSize; }

bool fetched(const FakePresence& presence, uint64_t gfn) {
  return std::find(presence.fetched.begin(), presence.fetched.end(), gfn) != presence.fetched.end();
}

// The whole of guest RAM, to show that a refused access changed no byte of it.
std::vector<uint8_t> snapshot(FakeGuestRam& ram) {
  return std::vector<uint8_t>(ram.at(0), ram.at(0) + ram.size_bytes());
}

TEST(VirtioNetAbsentPages, AFrameForABufferNotHereIsDroppedAndTheBufferStaysPosted) {
  Guest g;
  g.start();
  g.post_rx_buffers(2);
  g.presence.absent = {gfn_of(kBuffers)};
  auto before = snapshot(g.ram);
  g.log.ranges.clear();

  EXPECT_FALSE(*g.device.receive(test_frame(100, 1)));
  EXPECT_EQ(g.device.counters().rx_absent, 1u);
  EXPECT_EQ(g.device.counters().rx_frames, 0u);
  EXPECT_FALSE(g.device.broken());
  EXPECT_TRUE(fetched(g.presence, gfn_of(kBuffers)));
  EXPECT_EQ(snapshot(g.ram), before);  // no header, no partial frame, no used entry
  EXPECT_TRUE(g.log.ranges.empty());
  EXPECT_EQ(g.device.save().queues[0].next_avail, 0);  // nothing consumed
  EXPECT_FALSE(g.rx.take_used());

  g.presence.arrive(gfn_of(kBuffers));
  auto frame = test_frame(100, 2);
  ASSERT_TRUE(*g.device.receive(frame)) << g.device.fault();
  auto used = g.rx.take_used();
  ASSERT_TRUE(used);
  EXPECT_EQ(used->address, kBuffers);  // the first buffer, which waited
  EXPECT_EQ(used->length, 112u);
  EXPECT_EQ(std::vector<uint8_t>(g.ram.at(kBuffers + 12), g.ram.at(kBuffers + 112)), frame);
}

TEST(VirtioNetAbsentPages, AReceiveRingNotHereDropsTheFrameAndAsksForTheRing) {
  Guest g;
  g.start();
  g.post_rx_buffers(1);
  g.presence.absent = {gfn_of(kRxArea)};
  auto before = snapshot(g.ram);
  EXPECT_FALSE(*g.device.receive(test_frame(60, 1)));
  EXPECT_EQ(g.device.counters().rx_absent, 1u);
  EXPECT_TRUE(fetched(g.presence, gfn_of(kRxArea)));
  EXPECT_EQ(snapshot(g.ram), before);
  EXPECT_EQ(g.device.save().queues[0].next_avail, 0);

  g.presence.arrive(gfn_of(kRxArea));
  EXPECT_TRUE(*g.device.receive(test_frame(60, 1)));
  EXPECT_TRUE(g.rx.take_used());
}

TEST(VirtioNetAbsentPages, OnlyThePagesTheFrameWouldTouchMustBeHere) {
  Guest g;
  g.start();
  ASSERT_TRUE(g.rx.add(kBuffers + 0xF00, 2048, true));  // crosses into the next page
  g.rx.publish();
  g.presence.absent = {gfn_of(kBuffers) + 1};
  // 12 + 100 bytes stay on the first page: delivered, the absent page untouched.
  ASSERT_TRUE(*g.device.receive(test_frame(100, 3))) << g.device.fault();
  EXPECT_TRUE(g.presence.fetched.empty());
  EXPECT_EQ(g.device.counters().rx_absent, 0u);
}

TEST(VirtioNetAbsentPages, TransmitWaitsForItsBufferAndSendsItOnceItIsHere) {
  Guest g;
  g.start();
  auto out = test_frame(60, 7);
  g.queue_tx(out, kTxFrame);
  g.wr(virtio_mmio::kQueueNotify, 1);
  g.presence.absent = {gfn_of(kTxFrame)};
  auto before = snapshot(g.ram);
  Frames sink;

  ASSERT_EQ(*g.device.transmit(sink, 32), 0u);
  EXPECT_TRUE(sink.sent.empty());
  EXPECT_TRUE(g.device.transmit_waiting());
  EXPECT_FALSE(g.device.broken());
  EXPECT_EQ(g.device.counters().tx_page_waits, 1u);
  EXPECT_TRUE(fetched(g.presence, gfn_of(kTxFrame)));
  EXPECT_EQ(snapshot(g.ram), before);
  EXPECT_EQ(g.device.save().queues[1].next_avail, 0);

  ASSERT_EQ(*g.device.transmit(sink, 32), 0u);  // still not here: still waiting, no harm
  EXPECT_TRUE(g.device.transmit_waiting());
  EXPECT_EQ(g.device.counters().tx_page_waits, 1u);  // one hold, however many retries

  g.presence.arrive(gfn_of(kTxFrame));
  ASSERT_EQ(*g.device.transmit(sink, 32), 1u) << g.device.fault();
  EXPECT_FALSE(g.device.transmit_waiting());
  ASSERT_EQ(sink.sent.size(), 1u);
  EXPECT_EQ(sink.sent[0], out);
  EXPECT_TRUE(g.tx.take_used());
}

TEST(VirtioNetAbsentPages, FramesBeforeTheWaitingOneGoOutInOrder) {
  Guest g;
  g.start();
  g.queue_tx(test_frame(60, 1), kTxFrame);
  g.queue_tx(test_frame(60, 2), kTxFrame + 0x1000);
  g.queue_tx(test_frame(60, 3), kTxFrame + 0x2000);
  g.presence.absent = {gfn_of(kTxFrame) + 1};
  Frames sink;
  ASSERT_EQ(*g.device.transmit(sink, 32), 1u);
  EXPECT_TRUE(g.device.transmit_waiting());
  g.presence.arrive(gfn_of(kTxFrame) + 1);
  ASSERT_EQ(*g.device.transmit(sink, 32), 2u);
  ASSERT_EQ(sink.sent.size(), 3u);
  for (uint8_t i = 0; i < 3; ++i) EXPECT_EQ(sink.sent[i][0], i + 1);
}

TEST(VirtioNetAbsentPages, EveryAbsentPageOfABufferIsAskedForAtOnce) {
  Guest g;
  g.start();
  g.queue_tx(test_frame(200, 5), kTxFrame + 0xFC0);  // header and frame cross a page boundary
  g.presence.absent = {gfn_of(kTxFrame), gfn_of(kTxFrame) + 1};
  Frames sink;
  ASSERT_EQ(*g.device.transmit(sink, 32), 0u);
  EXPECT_TRUE(fetched(g.presence, gfn_of(kTxFrame)));
  EXPECT_TRUE(fetched(g.presence, gfn_of(kTxFrame) + 1));
}

TEST(VirtioNetAbsentPages, ATransmitRingNotHereWaitsWithoutBreakingTheDevice) {
  Guest g;
  g.start();
  g.queue_tx(test_frame(60, 9), kTxFrame);
  g.presence.absent = {gfn_of(kTxArea)};
  Frames sink;
  ASSERT_EQ(*g.device.transmit(sink, 32), 0u);
  EXPECT_TRUE(g.device.transmit_waiting());
  EXPECT_FALSE(g.device.broken());
  EXPECT_TRUE(fetched(g.presence, gfn_of(kTxArea)));
  g.presence.arrive(gfn_of(kTxArea));
  EXPECT_EQ(*g.device.transmit(sink, 32), 1u);
}

TEST(VirtioNetAbsentPages, AMigratedDeviceLoadsWithoutReadingAnyPage) {
  Guest g;
  g.start();
  g.post_rx_buffers(1);
  VirtioNetState saved = g.device.save();
  FakePresence nothing_here;
  for (uint64_t gfn = 0; gfn < g.ram.page_count(); ++gfn) nothing_here.absent.insert(gfn);
  VirtioNetDevice moved(DeviceMemory(g.ram, nullptr, &nothing_here), net::MacAddress{});
  ASSERT_TRUE(moved.load(saved)) << moved.fault();
  EXPECT_TRUE(nothing_here.fetched.empty());
  EXPECT_FALSE(*moved.receive(test_frame(60, 1)));  // dropped, the ring asked for
  EXPECT_FALSE(nothing_here.fetched.empty());
  EXPECT_FALSE(moved.broken());
}

TEST(VirtioNetAbsentPages, TheRingsCanBeAskedForAheadOfTheFirstFrame) {
  Guest g;
  g.start();
  VirtioNetState saved = g.device.save();
  FakePresence nothing_here;
  for (uint64_t gfn = 0; gfn < g.ram.page_count(); ++gfn) nothing_here.absent.insert(gfn);
  VirtioNetDevice moved(DeviceMemory(g.ram, nullptr, &nothing_here), net::MacAddress{});
  ASSERT_TRUE(moved.load(saved)) << moved.fault();
  moved.fetch_ring_pages();
  // Both queues' rings (each within one page here), and nothing else.
  std::set<uint64_t> asked(nothing_here.fetched.begin(), nothing_here.fetched.end());
  EXPECT_EQ(asked, (std::set<uint64_t>{gfn_of(kRxArea), gfn_of(kTxArea)}));
}

// The queue alone, with its three parts on three pages: the used ring absent.
TEST(DeviceVirtqueueAbsentPages, APushToAUsedRingNotHereWritesNothing) {
  FakeGuestRam ram(8);
  RecordingWriteLog log;
  FakePresence presence;
  DeviceMemory memory(ram, &log, &presence);
  DeviceVirtqueue queue;
  VirtqueueLayout layout{4, 0x1000, 0x2000, 0x3000};
  FixedString<120> why;
  ASSERT_TRUE(queue.configure(memory, layout, why.sink()));
  ram.put64(0x1000, 0x5000);  // descriptor 0: 64 writable bytes
  ram.put32(0x1008, 64);
  ram.put16(0x100C, 2);
  ram.put16(0x2004, 0);  // available ring slot 0: descriptor 0
  ram.put16(0x2002, 1);  // available index
  presence.absent = {3};

  auto chain = queue.peek(memory, why.sink());
  ASSERT_TRUE(chain && chain->has_value());
  EXPECT_EQ(queue.next_avail(), 0);  // peek consumes nothing
  EXPECT_FALSE(queue.push_here(memory));
  EXPECT_TRUE(fetched(presence, 3));
  queue.consume();
  auto before = snapshot(ram);
  auto pushed = queue.push(memory, 0, 64, why.sink());
  ASSERT_FALSE(pushed);
  EXPECT_EQ(pushed.error(), Error::kBusy);
  EXPECT_EQ(queue.next_used(), 0);
  EXPECT_EQ(snapshot(ram), before);
  EXPECT_TRUE(log.ranges.empty());

  presence.arrive(3);
  ASSERT_TRUE(queue.push(memory, 0, 64, why.sink()));
  EXPECT_EQ(queue.next_used(), 1);
  EXPECT_EQ(ram.get16(0x3002), 1u);
  EXPECT_EQ(ram.get32(0x3008), 64u);
}

TEST(DeviceMemoryAbsentPages, ReadsAndWritesTouchingAnAbsentPageCopyNothing) {
  FakeGuestRam ram(4);
  RecordingWriteLog log;
  FakePresence presence;
  presence.absent = {2};
  DeviceMemory memory(ram, &log, &presence);
  uint8_t bytes[32] = {1, 2, 3};
  auto before = snapshot(ram);
  auto written = memory.write(0x2000 - 16, bytes);  // half on page 1, half on absent page 2
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error(), Error::kBusy);
  EXPECT_EQ(snapshot(ram), before);  // not even the half on the present page
  EXPECT_TRUE(log.ranges.empty());
  uint8_t out[32];
  std::fill(std::begin(out), std::end(out), 0xAA);
  EXPECT_EQ(memory.read(0x2000 - 16, out).error(), Error::kBusy);
  EXPECT_EQ(out[0], 0xAA);
  EXPECT_EQ(presence.fetched, (std::vector<uint64_t>{2, 2}));
  // Outside RAM stays a range error, absent or not.
  EXPECT_EQ(memory.read(0x4000 - 8, out).error(), Error::kRange);
  presence.arrive(2);
  EXPECT_TRUE(memory.write(0x2000 - 16, bytes));
  EXPECT_TRUE(memory.read(0x2000 - 16, out));
  EXPECT_EQ(out[2], 3);
}

}  // namespace
}  // namespace godwit::devices
