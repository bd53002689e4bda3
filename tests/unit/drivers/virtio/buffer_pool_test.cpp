#include "drivers/virtio/buffer_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::virtio {
namespace {

TEST(BufferPool, MapsDeviceAddressesBackToBuffers) {
  std::vector<uint8_t> memory(4 * 2048);
  BufferPool pool{memory.data(), 0x100000, 2048, 4};
  EXPECT_EQ(pool.address(3), 0x100000u + 3 * 2048);
  EXPECT_EQ(pool.at(0x100000 + 2048).data(), memory.data() + 2048);
  EXPECT_EQ(pool.at(0x100000 + 2048).size(), 2048u);
  EXPECT_TRUE(pool.at(0x100000 + 4 * 2048).empty()) << "past the end";
  EXPECT_TRUE(pool.at(0x100000 + 100).empty()) << "not the start of a buffer";
  EXPECT_TRUE(pool.at(0xfffff).empty()) << "below the pool";
}

}  // namespace
}  // namespace godwit::virtio
