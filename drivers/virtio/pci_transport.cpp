#include "drivers/virtio/pci_transport.h"

#include <cstddef>

#include "drivers/pci/enumerate.h"
#include "drivers/virtio/features.h"

namespace godwit::virtio {

namespace {

// A device must finish a reset before reading 0 back (4.1.4.3.2); bound the wait so a
// broken device ends the driver, not the hypervisor.
constexpr unsigned kResetSpins = 1'000'000;
// config_generation changes only while the device updates its configuration; a device
// that keeps changing it is broken, and the last read is returned.
constexpr unsigned kGenerationRetries = 16;

constexpr uint32_t at(size_t offset) { return static_cast<uint32_t>(offset); }

// Offsets of the common configuration fields, from the one typed definition.
namespace field {
constexpr uint32_t kConfigGeneration = at(offsetof(CommonConfig, config_generation));
constexpr uint32_t kDeviceFeature = at(offsetof(CommonConfig, device_feature));
constexpr uint32_t kDeviceFeatureSelect = at(offsetof(CommonConfig, device_feature_select));
constexpr uint32_t kDeviceStatus = at(offsetof(CommonConfig, device_status));
constexpr uint32_t kDriverFeature = at(offsetof(CommonConfig, driver_feature));
constexpr uint32_t kDriverFeatureSelect = at(offsetof(CommonConfig, driver_feature_select));
constexpr uint32_t kNumQueues = at(offsetof(CommonConfig, num_queues));
constexpr uint32_t kQueueDescLo = at(offsetof(CommonConfig, queue_desc_lo));
constexpr uint32_t kQueueDeviceLo = at(offsetof(CommonConfig, queue_device_lo));
constexpr uint32_t kQueueDriverLo = at(offsetof(CommonConfig, queue_driver_lo));
constexpr uint32_t kQueueEnable = at(offsetof(CommonConfig, queue_enable));
constexpr uint32_t kQueueNotifyOff = at(offsetof(CommonConfig, queue_notify_off));
constexpr uint32_t kQueueSelect = at(offsetof(CommonConfig, queue_select));
constexpr uint32_t kQueueSize = at(offsetof(CommonConfig, queue_size));
}  // namespace field

RegisterWindow* map_region(const Region& region, std::span<const pci::Bar, pci::kBarCount> bars,
                           WindowMapper& mapper) {
  return mapper.map(bars[region.bar].base + region.offset, region.length);
}

}  // namespace

Expected<PciTransport> PciTransport::open(pci::ConfigSpace& config, pci::PciAddress address,
                                          uint32_t device_bytes, WindowMapper& mapper) {
  auto layout = read_layout(config, address);
  if (!layout) return layout.failure();
  pci::Bar bars[pci::kBarCount];
  if (auto s = pci::read_bars(config, address, bars); !s) return s.failure();
  if (auto s = check_layout(*layout, bars, sizeof(CommonConfig), device_bytes); !s) return s.failure();

  PciTransport t;
  t.layout_ = *layout;
  t.common_ = map_region(layout->common, bars, mapper);
  t.notify_ = map_region(layout->notify, bars, mapper);
  t.device_ = map_region(layout->device, bars, mapper);
  if (t.common_ == nullptr || t.notify_ == nullptr || t.device_ == nullptr) return fail(Error::kUnsupported);
  pci::enable_device(config, address);

  t.common_->write8(field::kDeviceStatus, 0);
  unsigned spins = 0;
  while (t.common_->read8(field::kDeviceStatus) != 0) {
    if (++spins == kResetSpins) return fail(Error::kTimeout);
  }
  t.set_status(status::kAcknowledge);
  t.set_status(status::kDriver);
  return t;
}

void PciTransport::set_status(uint8_t bits) {
  uint8_t value = common_->read8(field::kDeviceStatus);
  common_->write8(field::kDeviceStatus, static_cast<uint8_t>(value | bits));
}

uint8_t PciTransport::device_status() { return common_->read8(field::kDeviceStatus); }

Expected<uint64_t> PciTransport::negotiate(uint64_t wanted, uint64_t required) {
  common_->write32(field::kDeviceFeatureSelect, 0);
  uint64_t offered = common_->read32(field::kDeviceFeature);
  common_->write32(field::kDeviceFeatureSelect, 1);
  offered |= uint64_t{common_->read32(field::kDeviceFeature)} << 32;
  auto chosen = choose_features(offered, wanted | kFeatureVersion1, required | kFeatureVersion1);
  if (!chosen) return chosen;
  common_->write32(field::kDriverFeatureSelect, 0);
  common_->write32(field::kDriverFeature, static_cast<uint32_t>(*chosen));
  common_->write32(field::kDriverFeatureSelect, 1);
  common_->write32(field::kDriverFeature, static_cast<uint32_t>(*chosen >> 32));
  set_status(status::kFeaturesOk);
  if ((device_status() & status::kFeaturesOk) == 0) return fail(Error::kUnsupported);
  return chosen;
}

Expected<uint16_t> PciTransport::queue_size(uint16_t index) {
  if (index >= common_->read16(field::kNumQueues)) return fail(Error::kNotFound);
  common_->write16(field::kQueueSelect, index);
  uint16_t size = common_->read16(field::kQueueSize);
  if (size == 0) return fail(Error::kNotFound);
  uint16_t capped = SplitVirtqueue::kMaxSize;
  while (capped > size) capped = static_cast<uint16_t>(capped >> 1);
  return capped;
}

Expected<Doorbell> PciTransport::enable_queue(uint16_t index, const SplitVirtqueue& queue) {
  common_->write16(field::kQueueSelect, index);
  auto offset = notify_offset(layout_, common_->read16(field::kQueueNotifyOff));
  if (!offset) return offset.failure();
  common_->write16(field::kQueueSize, queue.size());
  const uint64_t addresses[] = {queue.descriptor_address(), queue.driver_address(), queue.device_address()};
  const uint32_t fields[] = {field::kQueueDescLo, field::kQueueDriverLo, field::kQueueDeviceLo};
  for (size_t i = 0; i < 3; ++i) {
    common_->write32(fields[i], static_cast<uint32_t>(addresses[i]));
    common_->write32(fields[i] + 4, static_cast<uint32_t>(addresses[i] >> 32));
  }
  common_->write16(field::kQueueEnable, 1);
  return Doorbell(notify_, *offset, index);
}

void PciTransport::driver_ok() { set_status(status::kDriverOk); }

void PciTransport::fail_device() {
  if (common_ != nullptr) set_status(status::kFailed);
}

uint8_t PciTransport::generation() { return common_->read8(field::kConfigGeneration); }

template <class Read>
auto PciTransport::stable_read(Read read) {
  decltype(read()) value{};
  for (unsigned i = 0; i < kGenerationRetries; ++i) {
    uint8_t before = generation();
    value = read();
    if (generation() == before) break;
  }
  return value;
}

uint8_t PciTransport::device_read8(uint32_t offset) {
  return stable_read([&] { return device_->read8(offset); });
}

uint16_t PciTransport::device_read16(uint32_t offset) {
  return stable_read([&] { return device_->read16(offset); });
}

}  // namespace godwit::virtio
