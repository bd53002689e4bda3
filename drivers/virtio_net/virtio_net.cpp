#include "drivers/virtio_net/virtio_net.h"

#include "drivers/virtio_net/virtio_net_defs.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"

namespace godwit::virtio_net {

namespace {

constexpr uint32_t kBufferBytes = 2048;  // header + the largest frame, rounded up

// Queue areas and buffers: physically contiguous frames, identity-mapped (physical
// address = pointer), never freed (drivers live as long as the hypervisor).
Expected<uint8_t*> allocate_dma(size_t bytes) {
  auto frames = memory::frames().allocate((bytes + kPageSize - 1) / kPageSize);
  if (!frames) return frames.failure();
  return reinterpret_cast<uint8_t*>(*frames);
}

uint64_t address_of(const uint8_t* pointer) { return reinterpret_cast<uint64_t>(pointer); }

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
  auto transport = virtio::PciTransport::open(config, at, kConfigBytesWithStatus);
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
  size_t area_bytes = virtio::SplitVirtqueue::area_bytes(*size);
  auto area = allocate_dma(area_bytes);
  if (!area) return area.failure();
  auto buffers = allocate_dma(size_t{kBufferBytes} * *size);
  if (!buffers) return buffers.failure();
  if (auto s = queue.init({*area, area_bytes}, address_of(*area), *size); !s) return s.failure();
  auto doorbell = transport_.enable_queue(index, queue);
  if (!doorbell) return doorbell.failure();
  bell = *doorbell;
  return virtio::BufferPool{*buffers, address_of(*buffers), kBufferBytes, *size};
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
