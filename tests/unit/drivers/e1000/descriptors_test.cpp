#include "drivers/e1000/descriptors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace godwit::e1000 {
namespace {

TEST(LayOutRing, GivesEachDescriptorItsBufferAndClearsStaleFields) {
  std::vector<TxDescriptor> ring(16);
  std::memset(ring.data(), 0xab, ring.size() * sizeof(TxDescriptor));  // a ring reused after a reset
  ASSERT_TRUE(lay_out_ring(std::span(ring), 0x100000, 2048));
  for (size_t i = 0; i < ring.size(); ++i) {
    EXPECT_EQ(ring[i].buffer_address, 0x100000 + i * 2048) << "descriptor " << i;
    EXPECT_EQ(ring[i].length, 0u);
    EXPECT_EQ(ring[i].command, 0u);
    EXPECT_EQ(ring[i].status, 0u);  // a stale DD would be taken for a finished frame
    EXPECT_EQ(ring[i].special, 0u);
  }
}

TEST(LayOutRing, LengthMustBeWholeGranules) {
  for (size_t size : {size_t{0}, size_t{4}, size_t{12}}) {
    std::vector<RxDescriptor> ring(size);
    EXPECT_EQ(lay_out_ring(std::span(ring), 0, 2048).error(), Error::kInvalidArgument) << size;
  }
  std::vector<RxDescriptor> ring(kRingGranule);
  EXPECT_TRUE(lay_out_ring(std::span(ring), 0, 2048));
}

}  // namespace
}  // namespace godwit::e1000
