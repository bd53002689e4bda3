// The virtio 1.x PCI transport for a modern device (virtio 1.1, 4.1): the common
// configuration, the status handshake, queue set-up and doorbells. Pure: the regions are
// reached through RegisterWindows (MMIO in the image, fakes in the unit tests).
#pragma once

#include <cstdint>

#include "drivers/pci/config_space.h"
#include "drivers/virtio/pci_layout.h"
#include "drivers/virtio/register_window.h"
#include "drivers/virtio/split_virtqueue.h"
#include "lib/expected.h"

namespace godwit::virtio {

// virtio 1.1, 4.1.4.3: struct virtio_pci_common_cfg (64-bit addresses as two halves,
// which 4.1.3.1 allows drivers to write separately).
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
  Doorbell(RegisterWindow* notify, uint32_t offset, uint16_t queue)
      : notify_(notify), offset_(offset), queue_(queue) {}
  void ring() const { notify_->write16(offset_, queue_); }
  uint32_t offset() const { return offset_; }

 private:
  RegisterWindow* notify_ = nullptr;
  uint32_t offset_ = 0;
  uint16_t queue_ = 0;
};

class PciTransport {
 public:
  // Reads and checks the capabilities and BARs, maps the regions through `mapper`
  // (kUnsupported if it cannot), enables the function, resets the device (kTimeout if
  // the reset does not finish) and sets ACKNOWLEDGE | DRIVER.
  static Expected<PciTransport> open(pci::ConfigSpace& config, pci::PciAddress at, uint32_t device_bytes,
                                     WindowMapper& mapper);

  // Writes wanted ∩ offered, sets FEATURES_OK and checks the device kept it (3.1.1 step
  // 6): kUnsupported otherwise, or when `required` is not offered. VERSION_1 is always
  // required. Returns the accepted features.
  Expected<uint64_t> negotiate(uint64_t wanted, uint64_t required);

  // The largest size the device allows for queue `index`, capped at the largest power of
  // two ≤ SplitVirtqueue::kMaxSize; kNotFound if the queue does not exist.
  Expected<uint16_t> queue_size(uint16_t index);
  // Tells the device where `queue` lives and enables it; kRange when the queue's
  // doorbell would lie outside the notify region.
  Expected<Doorbell> enable_queue(uint16_t index, const SplitVirtqueue& queue);
  // Sets DRIVER_OK: the device is live (3.1.1 step 8).
  void driver_ok();
  // Sets FAILED: the driver gives up on the device (nothing if open() did not succeed).
  void fail_device();
  // The device status byte as the device reports it now (DEVICE_NEEDS_RESET, FAILED...).
  uint8_t device_status();

  // Device-specific configuration at `offset` (checked by the caller against the
  // device_bytes given to open()), re-read until config_generation is stable (4.1.4.3.1).
  uint8_t device_read8(uint32_t offset);
  uint16_t device_read16(uint32_t offset);

 private:
  // Adds `bits` to the device status; status bits are only ever added until a reset.
  void set_status(uint8_t bits);
  // config_generation: changes whenever the device changes its configuration.
  uint8_t generation();
  // Calls `read` until config_generation is the same before and after it, at most a
  // bounded number of times; returns the last value read.
  template <class Read>
  auto stable_read(Read read);

  RegisterWindow* common_ = nullptr;
  RegisterWindow* notify_ = nullptr;
  RegisterWindow* device_ = nullptr;
  PciLayout layout_;
};

}  // namespace godwit::virtio
