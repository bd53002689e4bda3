#include "drivers/e1000/e1000.h"

#include <gtest/gtest.h>

#include <vector>

#include "drivers/e1000/e1000_regs.h"
#include "tests/unit/drivers/e1000/fake_e1000.h"

namespace godwit::e1000 {
namespace {

using testing::FakeDma;
using testing::FakeRegisters;

void no_wait(uint64_t) {}

struct Collector final : net::FrameReceiver {
  void receive(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
  std::vector<std::vector<uint8_t>> frames;
};

struct Fixture {
  Fixture() {
    regs.at(reg::kRal0) = 0x00005452;  // 52:54:00:00:00:0b loaded at reset, address valid
    regs.at(reg::kRah0) = 0x0b00 | kRahAddressValid;
    for (uint32_t i = 0; i < kMtaEntries; ++i) regs.at(reg::kMta + 4 * i) = 0xdeadbeef;
  }
  // The hardware's view of the rings, found the way the device finds them.
  RxDescriptor* rx_ring() {
    return reinterpret_cast<RxDescriptor*>((uint64_t{regs.at(reg::kRdbah)} << 32) | regs.at(reg::kRdbal));
  }
  TxDescriptor* tx_ring() {
    return reinterpret_cast<TxDescriptor*>((uint64_t{regs.at(reg::kTdbah)} << 32) | regs.at(reg::kTdbal));
  }
  // Completes receive descriptor `index` as the hardware would, with `length` bytes of `fill`.
  void receive(uint32_t index, uint16_t length, uint8_t fill = 0x42, uint8_t status = 0x3) {
    RxDescriptor& d = rx_ring()[index];
    auto* buffer = reinterpret_cast<uint8_t*>(d.buffer_address);
    for (uint16_t i = 0; i < length && i < 2048; ++i) buffer[i] = fill;
    d.length = length;
    d.status = status;
  }
  FakeRegisters regs;
  FakeDma dma;
  E1000 nic{regs, dma, no_wait};
  Collector collector;
};

TEST(E1000, StartProgramsResetInterruptsLinkFiltersAndRings) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  EXPECT_EQ(f.regs.at(reg::kImc), ~0u) << "every interrupt masked: Godwit polls";
  uint32_t ctrl = f.regs.at(reg::kCtrl);
  EXPECT_NE(ctrl & ctrl::kSetLinkUp, 0u);
  EXPECT_EQ(ctrl & (ctrl::kReset | ctrl::kLinkReset | ctrl::kPhyReset), 0u);
  for (uint32_t i = 0; i < kMtaEntries; ++i) ASSERT_EQ(f.regs.at(reg::kMta + 4 * i), 0u) << i;
  EXPECT_EQ(f.regs.at(reg::kRctl),
            rctl::kEnable | rctl::kUnicastPromiscuous | rctl::kBroadcastAccept | rctl::kStripCrc);
  EXPECT_EQ(f.regs.at(reg::kRdlen), E1000::kRingSize * 16);
  EXPECT_EQ(f.regs.at(reg::kRdt), E1000::kRingSize - 1);
  EXPECT_EQ(f.regs.at(reg::kTdlen), E1000::kRingSize * 16);
  EXPECT_EQ(f.regs.at(reg::kTdt), 0u);
  EXPECT_NE(f.regs.at(reg::kTctl) & (tctl::kEnable | tctl::kPadShort), 0u);
  EXPECT_EQ(f.regs.at(reg::kTipg), kTipgCopper);
  EXPECT_EQ(f.rx_ring()[1].buffer_address, f.rx_ring()[0].buffer_address + 2048);
  EXPECT_EQ(f.nic.mac().bytes[0], 0x52);
  EXPECT_EQ(f.nic.mac().bytes[5], 0x0b);
}

TEST(E1000, MacOverrideGoesToRalAndRah) {
  Fixture f;
  net::MacAddress mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x77}};
  ASSERT_TRUE(f.nic.start(mac));
  EXPECT_EQ(f.regs.at(reg::kRal0), 0x00000002u);
  EXPECT_EQ(f.regs.at(reg::kRah0), 0x7700u | kRahAddressValid);
  EXPECT_EQ(f.nic.mac().bytes[5], 0x77);
}

TEST(E1000, MacComesFromTheEepromWhenRahIsNotValid) {
  Fixture f;
  f.regs.at(reg::kRah0) = 0;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  EXPECT_EQ(f.nic.mac().bytes[0], 0x52);
  EXPECT_EQ(f.nic.mac().bytes[1], 0x54);
  EXPECT_EQ(f.nic.mac().bytes[5], 0x0a);
  EXPECT_EQ(f.regs.at(reg::kRah0), 0x0a00u | kRahAddressValid) << "written back for the filter";
}

TEST(E1000, ResetThatNeverFinishesIsATimeout) {
  Fixture f;
  f.regs.reset_sticks = true;
  EXPECT_EQ(f.nic.start(std::nullopt).error(), Error::kTimeout);
}

TEST(E1000, NoDmaMemoryIsOutOfMemory) {
  Fixture f;
  f.dma.fail_after = 1;
  EXPECT_EQ(f.nic.start(std::nullopt).error(), Error::kOutOfMemory);
}

TEST(E1000, PollDeliversFramesAndHandsDescriptorsBack) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  f.receive(0, 60, 0x11);
  f.receive(1, 1514, 0x22);
  EXPECT_EQ(f.nic.poll(f.collector, 16), 2u);
  ASSERT_EQ(f.collector.frames.size(), 2u);
  EXPECT_EQ(f.collector.frames[0], std::vector<uint8_t>(60, 0x11));
  EXPECT_EQ(f.collector.frames[1].size(), 1514u);
  EXPECT_EQ(f.regs.at(reg::kRdt), 1u);
  EXPECT_EQ(f.nic.counters().rx_frames, 2u);
  EXPECT_EQ(f.nic.counters().rx_bytes, 1574u);
}

TEST(E1000, PollCountsBadDescriptorsAndMissedFrames) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  f.receive(0, 10);          // runt
  f.receive(1, 3000);        // longer than the buffer
  f.receive(2, 2048, 0, 1);  // no EOP: spans descriptors
  f.receive(3, 100);         // its last piece
  f.receive(4, 64);
  f.regs.at(reg::kMpc) = 5;  // the ring ran out while nobody polled
  EXPECT_EQ(f.nic.poll(f.collector, 16), 1u);
  EXPECT_EQ(f.nic.counters().rx_dropped, 3u + 5u);
  EXPECT_EQ(f.nic.counters().errors, 1u);
  EXPECT_EQ(f.regs.at(reg::kRdt), 4u);
  EXPECT_EQ(f.nic.poll(f.collector, 16), 0u);
  EXPECT_EQ(f.nic.counters().rx_dropped, 8u) << "MPC clears on read: not counted twice";
}

TEST(E1000, BudgetLeavesFramesForTheNextPoll) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  for (uint32_t i = 0; i < 3; ++i) f.receive(i, 60);
  EXPECT_EQ(f.nic.poll(f.collector, 2), 2u);
  EXPECT_EQ(f.nic.poll(f.collector, 2), 1u);
}

TEST(E1000, TransmitCopiesTheFrameAndMovesTheTail) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  std::vector<uint8_t> head(14, 0xee), body(46, 0x33);
  std::span<const uint8_t> pieces[] = {head, body};
  ASSERT_TRUE(f.nic.transmit(pieces));
  EXPECT_EQ(f.regs.at(reg::kTdt), 1u);
  TxDescriptor& d = f.tx_ring()[0];
  EXPECT_EQ(d.length, 60);
  auto* buffer = reinterpret_cast<uint8_t*>(d.buffer_address);
  EXPECT_EQ(buffer[13], 0xee);
  EXPECT_EQ(buffer[14], 0x33);
  EXPECT_EQ(f.nic.counters().tx_frames, 1u);
}

TEST(E1000, FullTransmitRingIsBusyUntilTheHardwareFinishes) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  std::vector<uint8_t> frame(60, 1);
  std::span<const uint8_t> pieces[] = {frame};
  for (uint32_t i = 0; i < E1000::kRingSize - 1; ++i) ASSERT_TRUE(f.nic.transmit(pieces)) << i;
  EXPECT_EQ(f.nic.transmit(pieces).error(), Error::kBusy);
  EXPECT_EQ(f.nic.counters().tx_dropped, 1u);
  f.tx_ring()[0].status = kTxStatusDone;
  EXPECT_TRUE(f.nic.transmit(pieces));
}

TEST(E1000, LinkFollowsStatusLu) {
  Fixture f;
  ASSERT_TRUE(f.nic.start(std::nullopt));
  EXPECT_FALSE(f.nic.link_up());
  f.regs.at(reg::kStatus) = kStatusLinkUp;
  EXPECT_TRUE(f.nic.link_up());
}

}  // namespace
}  // namespace godwit::e1000
