#include "drivers/virtio/pci_layout.h"

#include "drivers/pci/capabilities.h"

namespace godwit::virtio {

namespace {

constexpr uint8_t kNotifyCapLength = sizeof(PciCapability) + 4;

Region* slot_for(PciLayout& layout, uint8_t type) {
  switch (static_cast<CfgType>(type)) {
    case CfgType::kCommon: return &layout.common;
    case CfgType::kNotify: return &layout.notify;
    case CfgType::kIsr: return &layout.isr;
    case CfgType::kDevice: return &layout.device;
    default: return nullptr;  // PCI config access, shared memory, vendor-specific: unused
  }
}

Status read_one(pci::ConfigSpace& config, pci::PciAddress at, uint8_t cap, PciLayout& layout) {
  uint8_t length = config.read8(at, static_cast<uint8_t>(cap + 2));
  uint8_t type = config.read8(at, static_cast<uint8_t>(cap + 3));
  Region* slot = slot_for(layout, type);
  if (slot == nullptr || slot->present()) return ok();
  if (length < sizeof(PciCapability) || cap + length > 0x100) return fail(Error::kMalformed);
  if (static_cast<CfgType>(type) == CfgType::kNotify && length < kNotifyCapLength)
    return fail(Error::kMalformed);
  Region region;
  region.bar = config.read8(at, static_cast<uint8_t>(cap + 4));
  region.offset = config.read32(at, static_cast<uint8_t>(cap + 8));
  region.length = config.read32(at, static_cast<uint8_t>(cap + 12));
  if (region.bar >= pci::kBarCount) return fail(Error::kMalformed);
  if (region.length == 0) return ok();  // an empty region cannot be used: keep looking
  *slot = region;
  if (static_cast<CfgType>(type) == CfgType::kNotify) {
    layout.notify_off_multiplier = config.read32(at, static_cast<uint8_t>(cap + 16));
  }
  return ok();
}

Status inside_bar(const Region& region, std::span<const pci::Bar, pci::kBarCount> bars) {
  const pci::Bar& bar = bars[region.bar];
  if (!bar.is_memory()) return fail(Error::kRange);
  if (uint64_t{region.offset} + region.length > bar.size) return fail(Error::kRange);
  return ok();
}

}  // namespace

Expected<PciLayout> read_layout(pci::ConfigSpace& config, pci::PciAddress at) {
  pci::Capability caps[pci::kMaxCapabilities];
  auto count = pci::list_capabilities(config, at, caps);
  if (!count) return count.failure();
  PciLayout layout;
  for (size_t i = 0; i < *count; ++i) {
    if (caps[i].id != pci::kCapabilityVendor) continue;
    if (auto status = read_one(config, at, caps[i].offset, layout); !status) return status.failure();
  }
  if (!layout.common.present() || !layout.notify.present() || !layout.isr.present() ||
      !layout.device.present()) {
    return fail(Error::kUnsupported);
  }
  return layout;
}

Status check_layout(const PciLayout& layout, std::span<const pci::Bar, pci::kBarCount> bars,
                    uint32_t common_bytes, uint32_t device_bytes) {
  for (const Region* region : {&layout.common, &layout.notify, &layout.isr, &layout.device}) {
    if (auto status = inside_bar(*region, bars); !status) return status;
  }
  if (layout.common.length < common_bytes || layout.device.length < device_bytes)
    return fail(Error::kTruncated);
  return ok();
}

Expected<uint32_t> notify_offset(const PciLayout& layout, uint16_t queue_notify_off) {
  uint64_t offset = uint64_t{queue_notify_off} * layout.notify_off_multiplier;
  if (offset + sizeof(uint16_t) > layout.notify.length) return fail(Error::kRange);
  return static_cast<uint32_t>(offset);
}

}  // namespace godwit::virtio
