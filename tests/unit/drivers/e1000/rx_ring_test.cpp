#include "drivers/e1000/rx_ring.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::e1000 {
namespace {

constexpr uint64_t kBuffers = 0x40'0000;

// The test plays the hardware: it completes descriptors from RDH on, as 3.2 describes.
struct Fixture {
  Fixture() : ring(16) { EXPECT_TRUE(rx.init(ring, kBuffers)); }
  void complete(uint16_t length, uint8_t status = kRxStatusDone | kRxStatusEndOfPacket, uint8_t errors = 0) {
    ring[head].length = length;
    ring[head].errors = errors;
    ring[head].status = status;
    head = (head + 1) % ring.size();
  }
  std::vector<RxDescriptor> ring;
  size_t head = 0;
  RxRing rx;
};

TEST(E1000RxRing, GivesEachDescriptorItsBufferAndLeavesOneEmpty) {
  Fixture f;
  EXPECT_EQ(f.ring[3].buffer_address, kBuffers + 3 * 2048);
  EXPECT_EQ(f.rx.tail(), 15u);
  std::vector<RxDescriptor> odd(12);
  RxRing r;
  EXPECT_FALSE(r.init(odd, kBuffers));
}

TEST(E1000RxRing, DeliversFinishedFramesAndGivesTheDescriptorBack) {
  Fixture f;
  EXPECT_FALSE(f.rx.next());
  f.complete(60);
  f.complete(1514);
  auto a = f.rx.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->index, 0u);
  EXPECT_EQ(a->length, 60);
  f.rx.release(*a);
  EXPECT_EQ(f.rx.tail(), 0u);
  EXPECT_EQ(f.ring[0].status, 0) << "DD cleared before the hardware gets it back";
  auto b = f.rx.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->length, 1514);
  f.rx.release(*b);
  EXPECT_EQ(f.rx.tail(), 1u);
  EXPECT_FALSE(f.rx.next());
}

TEST(E1000RxRing, WrapsAroundTheRing) {
  Fixture f;
  for (int i = 0; i < 100; ++i) {
    f.complete(static_cast<uint16_t>(60 + i));
    auto frame = f.rx.next();
    ASSERT_TRUE(frame) << i;
    EXPECT_EQ(frame->index, static_cast<uint32_t>(i % 16));
    EXPECT_EQ(frame->length, 60 + i);
    f.rx.release(*frame);
  }
  EXPECT_EQ(f.rx.drops().total(), 0u);
}

TEST(E1000RxRing, DropsAndCountsBadDescriptors) {
  Fixture f;
  f.complete(13);                                              // runt
  f.complete(1515);                                            // oversized
  f.complete(4000);                                            // longer than the buffer
  f.complete(60, kRxStatusDone | kRxStatusEndOfPacket, 0x80);  // RXE
  f.complete(64);                                              // good
  auto frame = f.rx.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->index, 4u);
  EXPECT_EQ(f.rx.drops().runts, 1u);
  EXPECT_EQ(f.rx.drops().oversized, 1u);
  EXPECT_EQ(f.rx.drops().bad_length, 1u);
  EXPECT_EQ(f.rx.drops().errors, 1u);
  EXPECT_EQ(f.rx.tail(), 3u) << "dropped descriptors were given back";
}

TEST(E1000RxRing, FrameSpanningDescriptorsIsDroppedOnce) {
  Fixture f;
  f.complete(2048, kRxStatusDone);  // no EOP
  f.complete(2048, kRxStatusDone);
  f.complete(100);  // EOP: last piece of the same frame
  f.complete(70);   // next frame, whole
  auto frame = f.rx.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->index, 3u);
  EXPECT_EQ(frame->length, 70);
  EXPECT_EQ(f.rx.drops().fragmented, 1u);
  EXPECT_EQ(f.rx.drops().total(), 1u);
}

TEST(E1000RxRing, StopsAtTheFirstUnfinishedDescriptor) {
  Fixture f;
  f.complete(60);
  f.ring[2].status = kRxStatusDone | kRxStatusEndOfPacket;  // finished out of order: not yet
  f.ring[2].length = 60;
  auto a = f.rx.next();
  ASSERT_TRUE(a);
  f.rx.release(*a);
  EXPECT_FALSE(f.rx.next());
}

}  // namespace
}  // namespace godwit::e1000
