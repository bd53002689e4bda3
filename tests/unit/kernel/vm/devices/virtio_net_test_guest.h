// A guest's virtio-net driver for device tests, as guests/lib does it: the handshake
// through the registers, queues from the driver-side SplitVirtqueue in fake guest RAM.
// Its pages are all here unless a test marks some absent (post-copy, FakePresence).
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <span>
#include <vector>

#include "drivers/virtio/split_virtqueue.h"
#include "godwit/virtio_mmio.h"
#include "kernel/vm/devices/virtio_net_device.h"
#include "tests/unit/kernel/vm/devices/fake_guest_ram.h"

namespace godwit::devices::testing {

namespace mmio = virtio_mmio;

inline constexpr uint64_t kRxArea = 0x2000, kTxArea = 0x4000, kBuffers = 0x10000;
inline constexpr uint16_t kSize = 8;

struct Frames final : GuestFrameSink {
  void transmit(std::span<const uint8_t> frame) override { sent.emplace_back(frame.begin(), frame.end()); }
  std::vector<std::vector<uint8_t>> sent;
};

inline std::vector<uint8_t> test_frame(size_t length, uint8_t seed) {
  std::vector<uint8_t> f(length);
  for (size_t i = 0; i < length; ++i) f[i] = static_cast<uint8_t>(seed + i);
  return f;
}

// The pages a post-copy destination does not hold yet, and every fetch a device made.
struct FakePresence final : PagePresence {
  bool present(uint64_t gfn) const override { return absent.count(gfn) == 0; }
  void fetch(uint64_t gfn) override { fetched.push_back(gfn); }
  void arrive(uint64_t gfn) { absent.erase(gfn); }
  std::set<uint64_t> absent;
  std::vector<uint64_t> fetched;
};

struct Guest {
  FakeGuestRam ram{64};
  RecordingWriteLog log;
  FakePresence presence;
  VirtioNetDevice device{DeviceMemory(ram, &log, &presence),
                         net::MacAddress{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}}};
  virtio::SplitVirtqueue rx, tx;

  uint32_t rd(uint32_t offset) { return *device.read(offset, 4); }
  void wr(uint32_t offset, uint32_t value) { ASSERT_TRUE(device.write(offset, 4, value)) << device.fault(); }
  void setup_queue(uint32_t index, virtio::SplitVirtqueue& q, uint64_t area) {
    ASSERT_TRUE(q.init({ram.at(area), virtio::SplitVirtqueue::area_bytes(kSize)}, area, kSize));
    wr(mmio::kQueueSel, index);
    EXPECT_EQ(rd(mmio::kQueueNumMax), 256u);
    wr(mmio::kQueueNum, kSize);
    wr(mmio::kQueueDescLow, static_cast<uint32_t>(q.descriptor_address()));
    wr(mmio::kQueueDescHigh, 0);
    wr(mmio::kQueueDriverLow, static_cast<uint32_t>(q.driver_address()));
    wr(mmio::kQueueDriverHigh, 0);
    wr(mmio::kQueueDeviceLow, static_cast<uint32_t>(q.device_address()));
    wr(mmio::kQueueDeviceHigh, 0);
    wr(mmio::kQueueReady, 1);
  }
  void start() {
    EXPECT_EQ(rd(mmio::kMagicValue), mmio::kMagic);
    EXPECT_EQ(rd(mmio::kVersion), 2u);
    EXPECT_EQ(rd(mmio::kDeviceId), 1u);
    wr(mmio::kStatus, 0);
    wr(mmio::kStatus, mmio::kStatusAcknowledge);
    wr(mmio::kStatus, mmio::kStatusAcknowledge | mmio::kStatusDriver);
    wr(mmio::kDeviceFeaturesSel, 0);
    uint32_t low = rd(mmio::kDeviceFeatures);
    wr(mmio::kDeviceFeaturesSel, 1);
    uint32_t high = rd(mmio::kDeviceFeatures);
    EXPECT_EQ(high & 1, 1u);         // VERSION_1
    EXPECT_EQ(low & (1 << 5), 32u);  // MAC
    wr(mmio::kDriverFeaturesSel, 0);
    wr(mmio::kDriverFeatures, 1 << 5);
    wr(mmio::kDriverFeaturesSel, 1);
    wr(mmio::kDriverFeatures, 1);
    wr(mmio::kStatus, mmio::kStatusAcknowledge | mmio::kStatusDriver | mmio::kStatusFeaturesOk);
    ASSERT_TRUE(rd(mmio::kStatus) & mmio::kStatusFeaturesOk);
    setup_queue(0, rx, kRxArea);
    setup_queue(1, tx, kTxArea);
    wr(mmio::kStatus,
       mmio::kStatusAcknowledge | mmio::kStatusDriver | mmio::kStatusFeaturesOk | mmio::kStatusDriverOk);
    EXPECT_TRUE(device.running());
  }
  void post_rx_buffers(size_t n) {
    for (size_t i = 0; i < n; ++i) ASSERT_TRUE(rx.add(kBuffers + 2048 * i, 2048, true));
    rx.publish();
  }
  void queue_tx(std::span<const uint8_t> frame, uint64_t at) {
    std::vector<uint8_t> bytes(12, 0);
    bytes.insert(bytes.end(), frame.begin(), frame.end());
    std::memcpy(ram.at(at), bytes.data(), bytes.size());
    ASSERT_TRUE(tx.add(at, static_cast<uint32_t>(bytes.size()), false));
    tx.publish();
  }
};

}  // namespace godwit::devices::testing
