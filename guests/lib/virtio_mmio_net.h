// The guest's virtio-net driver over virtio-mmio (docs/abi.md, "Devices"; decision 0012):
// maps the register page, negotiates VERSION_1 and MAC, sets up one receive and one
// transmit queue, and moves whole frames by copying, one descriptor per buffer. Polled:
// the guest gets no interrupts. The queues are the hypervisor's own driver-side
// SplitVirtqueue (drivers/virtio/split_virtqueue.cpp, compiled into the guest as well).
// Registers are touched only with 32-bit `mov`, the form the hypervisor decodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/virtio/split_virtqueue.h"

namespace godwit::guest {

class VirtioMmioNet {
 public:
  static constexpr uint16_t kQueueSize = 16;
  static constexpr size_t kBufferBytes = 2048;  // the 12-byte header and a whole frame
  static constexpr size_t kHeaderBytes = 12;
  static constexpr size_t kMaxFrame = 1514;

  // Maps the device page and brings the device up; false (after printing why) when
  // there is no device or it refuses what the driver needs.
  bool start();
  const uint8_t* mac() const { return mac_; }

  // Queues one frame and notifies the device; false when every transmit buffer is in
  // flight (dropped).
  bool send(std::span<const uint8_t> frame);
  // send() in two steps, so a burst costs one notification (one exit): queue() frames,
  // then kick().
  bool queue(std::span<const uint8_t> frame);
  void kick() const;
  // The transmit queue itself, for the netabuse guest, which breaks its rules on purpose
  // (the rings are in this guest's RAM; the hypervisor must survive whatever is there).
  virtio::SplitVirtqueue& transmit_queue() { return tx_; }
  // Calls `take(frame)` for up to `budget` received frames and reposts their buffers;
  // returns how many it delivered.
  template <class Take>
  size_t poll(Take&& take, size_t budget);

  uint64_t tx_busy() const { return tx_busy_; }
  uint64_t rx_bad() const { return rx_bad_; }

 private:
  uint32_t read(uint32_t offset) const;
  void write(uint32_t offset, uint32_t value) const;
  bool setup_queue(uint32_t index, virtio::SplitVirtqueue& queue, uint8_t* area);
  void post_receive();
  void reclaim_transmits();

  uint8_t mac_[6] = {};
  virtio::SplitVirtqueue rx_, tx_;
  alignas(4096) uint8_t rx_area_[4096] = {};
  alignas(4096) uint8_t tx_area_[4096] = {};
  alignas(4096) uint8_t rx_buffers_[kQueueSize][kBufferBytes] = {};
  alignas(4096) uint8_t tx_buffers_[kQueueSize][kBufferBytes] = {};
  uint64_t tx_busy_ = 0;
  uint64_t rx_bad_ = 0;
};

template <class Take>
size_t VirtioMmioNet::poll(Take&& take, size_t budget) {
  reclaim_transmits();
  size_t delivered = 0;
  while (delivered < budget) {
    auto used = rx_.take_used();
    if (!used) break;
    uint16_t id = used->id;
    if (!used->length_valid || used->length < kHeaderBytes + 14 || used->length > kHeaderBytes + kMaxFrame) {
      ++rx_bad_;
    } else {
      take(std::span<const uint8_t>(rx_buffers_[id] + kHeaderBytes, used->length - kHeaderBytes));
      ++delivered;
    }
    post_receive();
  }
  rx_.publish();
  return delivered;
}

}  // namespace godwit::guest
