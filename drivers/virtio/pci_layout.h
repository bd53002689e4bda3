// Where a modern virtio PCI device keeps its structures (virtio 1.1, 4.1.4): vendor
// capabilities naming a BAR, an offset and a length for the common configuration, the
// notification area, the ISR byte and the device-specific configuration. Pure: read from
// a ConfigSpace and checked against the decoded BARs.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/pci/bar.h"
#include "drivers/pci/config_space.h"
#include "lib/expected.h"

namespace godwit::virtio {

// virtio 1.1, 4.1.4: struct virtio_pci_cap (notify adds notify_off_multiplier after it).
struct PciCapability {
  uint8_t cap_vndr;
  uint8_t cap_next;
  uint8_t cap_len;
  uint8_t cfg_type;
  uint8_t bar;
  uint8_t id;
  uint8_t padding[2];
  uint32_t offset;
  uint32_t length;
};
static_assert(sizeof(PciCapability) == 16);

enum class CfgType : uint8_t { kCommon = 1, kNotify = 2, kIsr = 3, kDevice = 4, kPciCfg = 5 };

struct Region {
  uint8_t bar = 0;
  uint32_t offset = 0;
  uint32_t length = 0;
  bool present() const { return length != 0; }
};

struct PciLayout {
  Region common, notify, isr, device;
  uint32_t notify_off_multiplier = 0;
};

// The first capability of each type, as the spec asks drivers to use (4.1.4: "the driver
// SHOULD use the first instance"). kMalformed for a capability shorter than its
// structure or naming BAR > 5; kUnsupported when common, notify, ISR or device
// configuration is missing (a legacy-only device).
Expected<PciLayout> read_layout(pci::ConfigSpace& config, pci::PciAddress at);

// Each region must lie inside a memory BAR that decodes it (kRange otherwise); the common
// configuration must hold at least `common_bytes` and the device configuration
// `device_bytes` (kTruncated). A notify region is checked per queue by notify_offset().
Status check_layout(const PciLayout& layout, std::span<const pci::Bar, pci::kBarCount> bars,
                    uint32_t common_bytes, uint32_t device_bytes);

// Offset within the notify region of queue's doorbell (queue_notify_off × multiplier),
// kRange when a 16-bit write there would leave the region.
Expected<uint32_t> notify_offset(const PciLayout& layout, uint16_t queue_notify_off);

}  // namespace godwit::virtio
