#include "drivers/virtio_net/virtio_net.h"

#include "drivers/net/frame_copy.h"
#include "drivers/virtio_net/rx_frame.h"
#include "drivers/virtio_net/virtio_net_defs.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"

namespace godwit::virtio_net {

namespace {

// The DMA area of a queue and its buffers: physically contiguous frames, identity-mapped
// (physical address = pointer), never freed (drivers live as long as the hypervisor).
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
  if (auto s = setup_queue(kReceiveQueue, rx_, rx_bell_, rx_buffers_); !s) return s;
  if (auto s = setup_queue(kTransmitQueue, tx_, tx_bell_, tx_buffers_); !s) return s;
  for (size_t i = 0; i < sizeof(mac_.bytes); ++i) {
    mac_.bytes[i] = transport_.device_read8(kConfigMac + static_cast<uint32_t>(i));
  }
  transport_.driver_ok();
  // Receive buffers go in after DRIVER_OK: devices may ignore kicks before it (3.1.1).
  fill_receive_queue();
  return ok();
}

Status VirtioNet::setup_queue(uint16_t index, virtio::SplitVirtqueue& queue, virtio::Doorbell& bell,
                              uint8_t*& buffers) {
  auto size = transport_.queue_size(index);
  if (!size) return size.failure();
  auto area = allocate_dma(virtio::SplitVirtqueue::area_bytes(*size));
  if (!area) return area.failure();
  auto pool = allocate_dma(kBufferBytes * *size);
  if (!pool) return pool.failure();
  if (auto s = queue.init({*area, virtio::SplitVirtqueue::area_bytes(*size)}, address_of(*area), *size); !s) {
    return s;
  }
  auto doorbell = transport_.enable_queue(index, queue);
  if (!doorbell) return doorbell.failure();
  bell = *doorbell;
  buffers = *pool;
  return ok();
}

uint8_t* VirtioNet::buffer_at(uint64_t address) const { return reinterpret_cast<uint8_t*>(address); }

void VirtioNet::fill_receive_queue() {
  while (auto id = rx_.next_free()) {
    uint8_t* buffer = rx_buffers_ + size_t{*id} * kBufferBytes;
    if (!rx_.add(address_of(buffer), kBufferBytes, true)) break;
  }
  if (rx_.publish() && rx_.needs_notify()) rx_bell_.ring();
}

bool VirtioNet::link_up() {
  if (failed_) return false;
  if ((features_ & kFeatureStatus) == 0) return true;  // no status field: always up (5.1.4)
  return (transport_.device_read16(kConfigStatus) & kStatusLinkUp) != 0;
}

Status VirtioNet::transmit(std::span<const std::span<const uint8_t>> pieces) {
  if (failed_) return fail(Error::kState);
  reclaim_transmitted();
  auto id = tx_.next_free();
  if (!id) {
    ++counters_.tx_dropped;
    return fail(Error::kBusy);
  }
  uint8_t* buffer = tx_buffers_ + size_t{*id} * kBufferBytes;
  auto length = net::gather_frame({buffer + sizeof(NetHeader), kBufferBytes - sizeof(NetHeader)}, pieces);
  if (!length) return length.failure();
  *reinterpret_cast<NetHeader*>(buffer) = NetHeader{};  // no offload: all fields zero
  uint32_t total = static_cast<uint32_t>(sizeof(NetHeader) + *length);
  if (auto added = tx_.add(address_of(buffer), total, false); !added) return added.failure();
  tx_.publish();
  if (tx_.needs_notify()) tx_bell_.ring();
  ++counters_.tx_frames;
  counters_.tx_bytes += *length;
  return ok();
}

void VirtioNet::reclaim_transmitted() {
  while (tx_.take_used()) {
  }
}

void VirtioNet::handle_received(const virtio::UsedBuffer& used, net::FrameReceiver& receiver) {
  if (!used.length_valid) {
    ++counters_.rx_dropped;
    return;
  }
  RxFrame rx = rx_frame({buffer_at(used.address), used.capacity}, used.length);
  if (rx.check != net::FrameCheck::kOk) {
    ++counters_.rx_dropped;
    return;
  }
  ++counters_.rx_frames;
  counters_.rx_bytes += rx.frame.size();
  receiver.receive(rx.frame);
}

size_t VirtioNet::poll(net::FrameReceiver& receiver, size_t budget) {
  if (failed_) return 0;
  reclaim_transmitted();
  size_t delivered = 0;
  while (delivered < budget) {
    auto used = rx_.take_used();
    if (!used) break;
    uint64_t before = counters_.rx_frames;
    handle_received(*used, receiver);
    delivered += counters_.rx_frames - before;
    if (!rx_.add(used->address, used->capacity, true)) break;  // cannot fail: one was just freed
  }
  if (rx_.publish() && rx_.needs_notify()) rx_bell_.ring();
  counters_.errors = rx_.device_errors() + tx_.device_errors();
  if (rx_.broken() || tx_.broken()) {
    failed_ = true;
    transport_.fail_device();
    log::error("virtio-net: the device returned an impossible used index; driver stopped");
  }
  return delivered;
}

}  // namespace godwit::virtio_net
