// The virtio-net driver (virtio 1.1, 5.1) over the modern PCI transport: one receive
// queue kept full of buffers, one transmit queue reclaimed in poll(). Polled, image only.
#pragma once

#include <optional>

#include "drivers/nic/nic.h"
#include "drivers/pci/config_space.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/split_virtqueue.h"
#include "drivers/virtio_net/rx_queue.h"
#include "drivers/virtio_net/tx_queue.h"

namespace godwit::virtio_net {

class VirtioNet final : public net::Nic {
 public:
  // Brings the device at `at` up (handshake, features, queues, DRIVER_OK). The device
  // keeps its own MAC: a modern device's mac field is read-only (5.1.4.2), so an
  // override is logged as ignored. The driver lives as long as the hypervisor.
  static Expected<VirtioNet*> create(pci::ConfigSpace& config, pci::PciAddress at,
                                     const std::optional<net::MacAddress>& mac_override);

  std::string_view name() const override { return "virtio-net"; }
  net::MacAddress mac() const override { return mac_; }
  bool link_up() override;
  Status transmit(std::span<const std::span<const uint8_t>> pieces) override;
  size_t poll(net::FrameReceiver& receiver, size_t budget) override;
  const net::NicCounters& counters() const override { return counters_; }

 private:
  VirtioNet() = default;
  // The virtio initialization sequence (3.1.1): open the transport, negotiate MAC and
  // STATUS, set up both queues, read the MAC, DRIVER_OK, then post receive buffers.
  Status start(pci::ConfigSpace& config, pci::PciAddress at);
  // Allocates queue `index`'s area and buffers (kept for the hypervisor's life), and
  // enables it on the device; returns the buffers and sets `bell` to its doorbell.
  Expected<virtio::BufferPool> setup_queue(uint16_t index, virtio::SplitVirtqueue& queue,
                                           virtio::Doorbell& bell);
  // Stops the driver and marks the device FAILED once either queue is broken.
  void check_queues();

  virtio::PciTransport transport_;
  virtio::SplitVirtqueue rx_ring_, tx_ring_;
  RxQueue rx_;
  TxQueue tx_;
  virtio::Doorbell rx_bell_, tx_bell_;
  uint64_t features_ = 0;
  net::MacAddress mac_;
  net::NicCounters counters_;
  bool failed_ = false;
};

}  // namespace godwit::virtio_net
