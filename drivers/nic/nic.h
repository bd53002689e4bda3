// What the network stack sees of a NIC driver (virtio-net under QEMU, e1000 under
// Bochs). Polled: the main loop calls poll() between guest time slices, so no driver
// code runs in interrupt context (docs/architecture.md, "Networking").
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/expected.h"

namespace godwit::net {

struct MacAddress {
  uint8_t bytes[6] = {};
};

struct NicCounters {
  uint64_t rx_frames = 0, rx_bytes = 0;
  uint64_t tx_frames = 0, tx_bytes = 0;
  uint64_t rx_dropped = 0;  // runt, oversized or malformed frames, or no buffer
  uint64_t tx_dropped = 0;  // no descriptor free when a frame was to be sent
  uint64_t errors = 0;      // the device reported something impossible (index, length)
};

// Receives frames from Nic::poll(). The span is valid only during the call.
class FrameReceiver {
 public:
  virtual void receive(std::span<const uint8_t> frame) = 0;

 protected:
  ~FrameReceiver() = default;
};

class Nic {
 public:
  static constexpr size_t kMaxFrame = 1514;  // Ethernet header + 1500, no FCS
  static constexpr size_t kMinFrame = 14;

  virtual std::string_view name() const = 0;  // "virtio-net", "e1000"
  virtual MacAddress mac() const = 0;
  // Whether the device reports a link now (read from the device each call; a device
  // that has no link status, or virtio-net without the STATUS feature, says true).
  virtual bool link_up() = 0;
  // Queues one frame (a gather list of pieces, at most kMaxFrame bytes in all).
  // kBusy when no transmit descriptor is free (the caller may retry after poll()).
  virtual Status transmit(std::span<const std::span<const uint8_t>> pieces) = 0;
  // Reclaims finished transmissions and hands up to `budget` received frames to
  // `receiver`, refilling the receive ring; returns how many frames it delivered.
  virtual size_t poll(FrameReceiver& receiver, size_t budget) = 0;
  // Frames and bytes moved, frames dropped and device errors, since start().
  virtual const NicCounters& counters() const = 0;

 protected:
  ~Nic() = default;
};

}  // namespace godwit::net
