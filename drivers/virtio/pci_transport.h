// The virtio 1.x PCI transport for a modern device (virtio 1.1, 4.1): the common
// configuration in MMIO, the status handshake, queue set-up and doorbells. Image only;
// what can be checked without hardware (capabilities, BAR bounds, the virtqueue, the
// feature choice) is in pci_layout, split_virtqueue and features.
#pragma once

#include <cstdint>

#include "drivers/pci/config_space.h"
#include "drivers/virtio/pci_layout.h"
#include "drivers/virtio/split_virtqueue.h"
#include "kernel/lib/expected.h"

namespace godwit::virtio {

// virtio 1.1, 4.1.4.3: struct virtio_pci_common_cfg.
struct CommonConfig {
  uint32_t device_feature_select;
  uint32_t device_feature;
  uint32_t driver_feature_select;
  uint32_t driver_feature;
  uint16_t msix_config;
  uint16_t num_queues;
  uint8_t device_status;
  uint8_t config_generation;
  uint16_t queue_select;
  uint16_t queue_size;
  uint16_t queue_msix_vector;
  uint16_t queue_enable;
  uint16_t queue_notify_off;
  uint32_t queue_desc_lo, queue_desc_hi;
  uint32_t queue_driver_lo, queue_driver_hi;
  uint32_t queue_device_lo, queue_device_hi;
};
static_assert(sizeof(CommonConfig) == 56);

// virtio 1.1, 2.1: device status bits.
namespace status {
inline constexpr uint8_t kAcknowledge = 1;
inline constexpr uint8_t kDriver = 2;
inline constexpr uint8_t kDriverOk = 4;
inline constexpr uint8_t kFeaturesOk = 8;
inline constexpr uint8_t kNeedsReset = 64;
inline constexpr uint8_t kFailed = 128;
}  // namespace status

// Rings one queue's doorbell: a 16-bit write of the queue index (4.1.4.4).
class Doorbell {
 public:
  Doorbell() = default;
  Doorbell(uint64_t address, uint16_t queue) : address_(address), queue_(queue) {}
  void ring() const;

 private:
  uint64_t address_ = 0;
  uint16_t queue_ = 0;
};

class PciTransport {
 public:
  // Reads and checks the capabilities and BARs (regions inside memory BARs below 4 GiB,
  // which the hypervisor identity-maps), enables the function, resets the device and
  // sets ACKNOWLEDGE | DRIVER.
  static Expected<PciTransport> open(pci::ConfigSpace& config, pci::PciAddress at, uint32_t device_bytes);

  // Writes wanted ∩ offered, sets FEATURES_OK and checks the device kept it (3.1.1 step
  // 6). VERSION_1 is always required. Returns the accepted features.
  Expected<uint64_t> negotiate(uint64_t wanted, uint64_t required);

  // The largest size the device allows for queue `index`, capped at the largest power of
  // two ≤ SplitVirtqueue::kMaxSize; kNotFound if the queue does not exist.
  Expected<uint16_t> queue_size(uint16_t index);
  // Tells the device where `queue` lives and enables it.
  Expected<Doorbell> enable_queue(uint16_t index, const SplitVirtqueue& queue);
  // Sets DRIVER_OK: the device is live (3.1.1 step 8).
  void driver_ok();
  // Sets FAILED: the driver gives up on the device (nothing if open() did not succeed).
  void fail_device();
  uint8_t device_status() const;

  // Device-specific configuration, read at `offset` (caller checked it against the
  // length given to open()); reads retry until config_generation is stable (4.1.4.3.1).
  uint8_t device_read8(uint32_t offset) const;
  uint16_t device_read16(uint32_t offset) const;
  void device_write8(uint32_t offset, uint8_t value);

 private:
  volatile CommonConfig* common() const;
  void set_status(uint8_t bits);

  uint64_t common_ = 0;
  uint64_t notify_ = 0;
  uint64_t device_ = 0;
  PciLayout layout_;
};

}  // namespace godwit::virtio
