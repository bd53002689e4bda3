#include "drivers/virtio/pci_transport.h"

#include "arch/x86/cpu/intrinsics.h"
#include "drivers/pci/enumerate.h"
#include "drivers/virtio/features.h"
#include "kernel/memory/physical_memory.h"

namespace godwit::virtio {

namespace {

// A device must finish a reset before reading 0 back (4.1.4.3.2); bound the wait so a
// broken device ends the driver, not the hypervisor.
constexpr unsigned kResetSpins = 1'000'000;

Expected<uint64_t> map_region(const Region& region, std::span<const pci::Bar, pci::kBarCount> bars) {
  uint64_t address = bars[region.bar].base + region.offset;
  if (address + region.length > memory::kMaxPhysical) return fail(Error::kUnsupported);
  return address;
}

}  // namespace

void Doorbell::ring() const { x86::mmio_write<uint16_t>(address_, queue_); }

volatile CommonConfig* PciTransport::common() const {
  return reinterpret_cast<volatile CommonConfig*>(common_);
}

Expected<PciTransport> PciTransport::open(pci::ConfigSpace& config, pci::PciAddress at,
                                          uint32_t device_bytes) {
  auto layout = read_layout(config, at);
  if (!layout) return layout.failure();
  pci::Bar bars[pci::kBarCount];
  if (auto s = pci::read_bars(config, at, bars); !s) return s.failure();
  if (auto s = check_layout(*layout, bars, sizeof(CommonConfig), device_bytes); !s) return s.failure();

  PciTransport t;
  t.layout_ = *layout;
  auto common = map_region(layout->common, bars);
  auto notify = map_region(layout->notify, bars);
  auto device = map_region(layout->device, bars);
  if (!common || !notify || !device) return fail(Error::kUnsupported);
  t.common_ = *common;
  t.notify_ = *notify;
  t.device_ = *device;
  pci::enable_device(config, at);

  t.common()->device_status = 0;
  unsigned spins = 0;
  while (t.common()->device_status != 0) {
    if (++spins == kResetSpins) return fail(Error::kTimeout);
    x86::pause();
  }
  t.set_status(status::kAcknowledge);
  t.set_status(status::kDriver);
  return t;
}

void PciTransport::set_status(uint8_t bits) {
  common()->device_status = static_cast<uint8_t>(common()->device_status | bits);
}

uint8_t PciTransport::device_status() const { return common()->device_status; }

Expected<uint64_t> PciTransport::negotiate(uint64_t wanted, uint64_t required) {
  volatile CommonConfig* c = common();
  c->device_feature_select = 0;
  uint64_t offered = c->device_feature;
  c->device_feature_select = 1;
  offered |= uint64_t{c->device_feature} << 32;
  auto chosen = choose_features(offered, wanted | kFeatureVersion1, required | kFeatureVersion1);
  if (!chosen) return chosen;
  c->driver_feature_select = 0;
  c->driver_feature = static_cast<uint32_t>(*chosen);
  c->driver_feature_select = 1;
  c->driver_feature = static_cast<uint32_t>(*chosen >> 32);
  set_status(status::kFeaturesOk);
  if ((c->device_status & status::kFeaturesOk) == 0) return fail(Error::kUnsupported);
  return chosen;
}

Expected<uint16_t> PciTransport::queue_size(uint16_t index) {
  volatile CommonConfig* c = common();
  if (index >= c->num_queues) return fail(Error::kNotFound);
  c->queue_select = index;
  uint16_t size = c->queue_size;
  if (size == 0) return fail(Error::kNotFound);
  uint16_t capped = SplitVirtqueue::kMaxSize;
  while (capped > size) capped = static_cast<uint16_t>(capped >> 1);
  return capped;
}

Expected<Doorbell> PciTransport::enable_queue(uint16_t index, const SplitVirtqueue& queue) {
  volatile CommonConfig* c = common();
  c->queue_select = index;
  auto offset = notify_offset(layout_, c->queue_notify_off);
  if (!offset) return offset.failure();
  c->queue_size = queue.size();
  c->queue_desc_lo = static_cast<uint32_t>(queue.descriptor_address());
  c->queue_desc_hi = static_cast<uint32_t>(queue.descriptor_address() >> 32);
  c->queue_driver_lo = static_cast<uint32_t>(queue.driver_address());
  c->queue_driver_hi = static_cast<uint32_t>(queue.driver_address() >> 32);
  c->queue_device_lo = static_cast<uint32_t>(queue.device_address());
  c->queue_device_hi = static_cast<uint32_t>(queue.device_address() >> 32);
  c->queue_enable = 1;
  return Doorbell(notify_ + *offset, index);
}

void PciTransport::driver_ok() { set_status(status::kDriverOk); }

void PciTransport::fail_device() {
  if (common_ != 0) set_status(status::kFailed);
}

uint8_t PciTransport::device_read8(uint32_t offset) const {
  for (;;) {
    uint8_t generation = common()->config_generation;
    uint8_t value = x86::mmio_read<uint8_t>(device_ + offset);
    if (common()->config_generation == generation) return value;
  }
}

uint16_t PciTransport::device_read16(uint32_t offset) const {
  for (;;) {
    uint8_t generation = common()->config_generation;
    uint16_t value = x86::mmio_read<uint16_t>(device_ + offset);
    if (common()->config_generation == generation) return value;
  }
}

void PciTransport::device_write8(uint32_t offset, uint8_t value) {
  x86::mmio_write<uint8_t>(device_ + offset, value);
}

}  // namespace godwit::virtio
