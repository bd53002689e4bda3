#include "drivers/virtio_net/virtio_net.h"

#include "drivers/pci/frame_dma.h"
#include "drivers/virtio/mmio_window.h"
#include "drivers/virtio_net/virtio_net_defs.h"
#include "kernel/console/log.h"

namespace godwit::virtio_net {

namespace {

constexpr uint32_t kBufferBytes = 2048;  // header + the largest frame, rounded up

}  // namespace

Expected<VirtioNet*> VirtioNet::create(pci::ConfigSpace& config, pci::PciAddress at,
                                       const std::optional<net::MacAddress>& mac_override) {
  auto* nic = new VirtioNet();
  if (auto status = nic->start(config, at); !status) {
    nic->transport_.fail_device();
    delete nic;
    return status.failure();
  }
  if (mac_override) {
    log::warn("virtio-net: mac= ignored: a virtio 1.x device's MAC is read-only; set it in the emulator");
  }
  return nic;
}

Status VirtioNet::start(pci::ConfigSpace& config, pci::PciAddress at) {
  auto transport = virtio::PciTransport::open(config, at, kConfigBytesWithStatus, virtio::mmio_mapper());
  if (!transport) return transport.failure();
  transport_ = *transport;
  auto features = transport_.negotiate(kFeatureMac | kFeatureStatus, kFeatureMac);
  if (!features) return features.failure();
  features_ = *features;
  auto rx_pool = setup_queue(kReceiveQueue, rx_ring_, rx_bell_);
  if (!rx_pool) return rx_pool.failure();
  auto tx_pool = setup_queue(kTransmitQueue, tx_ring_, tx_bell_);
  if (!tx_pool) return tx_pool.failure();
  rx_.init(rx_ring_, *rx_pool);
  tx_.init(tx_ring_, *tx_pool);
  for (size_t i = 0; i < sizeof(mac_.bytes); ++i) {
    mac_.bytes[i] = transport_.device_read8(kConfigMac + static_cast<uint32_t>(i));
  }
  transport_.driver_ok();
  // Receive buffers go in after DRIVER_OK: a device may ignore kicks before it (3.1.1).
  if (rx_.refill()) rx_bell_.ring();
  return ok();
}

Expected<virtio::BufferPool> VirtioNet::setup_queue(uint16_t index, virtio::SplitVirtqueue& queue,
                                                    virtio::Doorbell& bell) {
  auto size = transport_.queue_size(index);
  if (!size) return size.failure();
  // Queue areas and buffers stay for the life of the hypervisor, as the driver does.
  size_t area_bytes = virtio::SplitVirtqueue::area_bytes(*size);
  auto area = pci::frame_dma().allocate(area_bytes);
  if (!area) return area.failure();
  auto buffers = pci::frame_dma().allocate(size_t{kBufferBytes} * *size);
  if (!buffers) return buffers.failure();
  if (auto s = queue.init({area->cpu, area_bytes}, area->device, *size); !s) return s.failure();
  auto doorbell = transport_.enable_queue(index, queue);
  if (!doorbell) return doorbell.failure();
  bell = *doorbell;
  return virtio::BufferPool{buffers->cpu, buffers->device, kBufferBytes, *size};
}

bool VirtioNet::link_up() {
  if (failed_) return false;
  if ((features_ & kFeatureStatus) == 0) return true;  // no status field: always up (5.1.4)
  return (transport_.device_read16(kConfigStatus) & kStatusLinkUp) != 0;
}

Status VirtioNet::transmit(std::span<const std::span<const uint8_t>> pieces) {
  if (failed_) return fail(Error::kState);
  auto kick = tx_.send(pieces, counters_);
  if (!kick) return kick.failure();
  if (*kick) tx_bell_.ring();
  return ok();
}

size_t VirtioNet::poll(net::FrameReceiver& receiver, size_t budget) {
  if (failed_) return 0;
  tx_.reclaim(counters_);
  size_t delivered = rx_.poll(receiver, budget, counters_);
  if (rx_.refill()) rx_bell_.ring();
  check_queues();
  return delivered;
}

// A used index running ahead of the buffers in flight means the device can no longer
// be trusted with this memory: stop using it rather than guess.
void VirtioNet::check_queues() {
  if (!rx_ring_.broken() && !tx_ring_.broken()) return;
  failed_ = true;
  transport_.fail_device();
  log::error("virtio-net: the device returned an impossible used index; driver stopped");
}

}  // namespace godwit::virtio_net
