// The virtio-net driver (virtio 1.1, 5.1) over the modern PCI transport: one receive
// queue kept full of buffers, one transmit queue reclaimed in poll(). Polled, image only.
#pragma once

#include <optional>

#include "drivers/net/nic.h"
#include "drivers/pci/config_space.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/split_virtqueue.h"

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
  static constexpr size_t kBufferBytes = 2048;

  VirtioNet() = default;
  Status start(pci::ConfigSpace& config, pci::PciAddress at);
  Status setup_queue(uint16_t index, virtio::SplitVirtqueue& queue, virtio::Doorbell& bell, uint8_t*& buffers);
  void fill_receive_queue();
  void reclaim_transmitted();
  void handle_received(const virtio::UsedBuffer& used, net::FrameReceiver& receiver);
  uint8_t* buffer_at(uint64_t address) const;

  virtio::PciTransport transport_;
  virtio::SplitVirtqueue rx_, tx_;
  virtio::Doorbell rx_bell_, tx_bell_;
  uint8_t* rx_buffers_ = nullptr;
  uint8_t* tx_buffers_ = nullptr;
  uint64_t features_ = 0;
  net::MacAddress mac_;
  net::NicCounters counters_;
  bool failed_ = false;
};

}  // namespace godwit::virtio_net
