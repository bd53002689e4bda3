#include "kernel/vm/devices/virtio_net_state.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::devices {
namespace {

VirtioNetState sample() {
  VirtioNetState s;
  s.mac = {{0x52, 0x54, 0x00, 1, 2, 3}};
  s.status = 15;
  s.driver_features = kVirtioNetOffered;
  s.queue_sel = 1;
  s.queues[0] = {256, true, 0x10000, 0x11000, 0x12000, 300, 299};
  s.queues[1] = {8, true, 0x20000, 0x20080, 0x200a0, 7, 7};
  return s;
}

std::vector<uint8_t> encode(const VirtioNetState& s) {
  std::vector<uint8_t> bytes(kVirtioNetStateBytes);
  EXPECT_TRUE(encode_virtio_net_state(s, bytes));
  return bytes;
}

TEST(VirtioNetState, RoundTrips) {
  auto decoded = decode_virtio_net_state(encode(sample()));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->mac.bytes[5], 3);
  EXPECT_EQ(decoded->status, 15u);
  EXPECT_EQ(decoded->driver_features, kVirtioNetOffered);
  EXPECT_EQ(decoded->queue_sel, 1u);
  EXPECT_EQ(decoded->queues[0].next_avail, 300);
  EXPECT_EQ(decoded->queues[0].next_used, 299);
  EXPECT_EQ(decoded->queues[1].device, 0x200a0u);
  EXPECT_TRUE(decoded->queues[1].ready);
}

TEST(VirtioNetState, RefusesWhatNoDeviceHolds) {
  auto bytes = encode(sample());
  EXPECT_EQ(decode_virtio_net_state(std::span(bytes).first(kVirtioNetStateBytes - 1)).error(),
            Error::kTruncated);
  auto version = bytes;
  version[0] = 2;
  EXPECT_EQ(decode_virtio_net_state(version).error(), Error::kVersion);
  auto s = sample();
  s.status = 0x10;  // an unknown status bit
  EXPECT_EQ(decode_virtio_net_state(encode(s)).error(), Error::kMalformed);
  s = sample();
  s.driver_features |= 1;  // checksum offload, never offered
  EXPECT_EQ(decode_virtio_net_state(encode(s)).error(), Error::kMalformed);
  s = sample();
  s.queues[1].size = 12;  // a ready queue of a size no driver could set
  EXPECT_EQ(decode_virtio_net_state(encode(s)).error(), Error::kMalformed);
  auto reserved = bytes;
  reserved[10] = 1;  // after the MAC
  EXPECT_EQ(decode_virtio_net_state(reserved).error(), Error::kMalformed);
  auto ready = bytes;
  ready[4 + 8 + 4 + 8 + 12 + 2] = 2;  // queue 0's ready word is neither 0 nor 1
  EXPECT_EQ(decode_virtio_net_state(ready).error(), Error::kMalformed);
}

}  // namespace
}  // namespace godwit::devices
