#include "drivers/e1000/tx_ring.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::e1000 {
namespace {

constexpr uint64_t kBuffers = 0x80'0000;

TEST(E1000TxRing, FillsDescriptorsAndMovesTheTail) {
  std::vector<TxDescriptor> ring(8);
  TxRing tx;
  ASSERT_TRUE(tx.init(ring, kBuffers));
  EXPECT_EQ(tx.next_free(), 0u);
  auto tail = tx.add(60);
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, 1u);
  EXPECT_EQ(ring[0].buffer_address, kBuffers);
  EXPECT_EQ(ring[0].length, 60);
  EXPECT_EQ(ring[0].command, kTxCommandEndOfPacket | kTxCommandInsertFcs | kTxCommandReportStatus);
  EXPECT_EQ(ring[1].buffer_address, kBuffers + 2048);
}

TEST(E1000TxRing, FullRingKeepsOneDescriptorUnusedUntilReclaimed) {
  std::vector<TxDescriptor> ring(8);
  TxRing tx;
  ASSERT_TRUE(tx.init(ring, kBuffers));
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(tx.add(100));
  EXPECT_FALSE(tx.next_free());
  EXPECT_EQ(tx.add(100).error(), Error::kBusy);
  EXPECT_EQ(tx.reclaim(), 0u) << "nothing done yet";
  ring[0].status = kTxStatusDone;
  ring[1].status = kTxStatusDone;
  ring[3].status = kTxStatusDone;  // out of order: waits for 2
  EXPECT_EQ(tx.reclaim(), 2u);
  EXPECT_EQ(tx.in_flight(), 5u);
  EXPECT_EQ(tx.next_free(), 7u);
  auto tail = tx.add(100);
  ASSERT_TRUE(tail);
  EXPECT_EQ(*tail, 0u) << "wraps";
}

TEST(E1000TxRing, RejectsBadLengths) {
  std::vector<TxDescriptor> ring(8);
  TxRing tx;
  ASSERT_TRUE(tx.init(ring, kBuffers));
  EXPECT_EQ(tx.add(0).error(), Error::kInvalidArgument);
  EXPECT_EQ(tx.add(2049).error(), Error::kInvalidArgument);
}

}  // namespace
}  // namespace godwit::e1000
