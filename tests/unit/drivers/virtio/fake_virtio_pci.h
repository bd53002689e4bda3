// A modern virtio-net function as QEMU presents it, for the transport tests: the
// capabilities in config space and a reactive common configuration behind windows.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <map>
#include <vector>

#include "drivers/pci/capabilities.h"
#include "drivers/virtio/pci_layout.h"
#include "drivers/virtio/pci_transport.h"
#include "drivers/virtio/register_window.h"
#include "tests/unit/drivers/pci/fake_config_space.h"

namespace godwit::virtio::testing {

using pci::testing::FakeConfigSpace;

inline constexpr pci::PciAddress kAt{0, 3, 0};
inline constexpr uint64_t kBar4 = 0xfe000000;

// Writes one virtio_pci_cap at `at` linking to `next`.
inline void put_cap(FakeConfigSpace::Function& f, uint8_t at, uint8_t next, CfgType type, uint8_t bar,
                    uint32_t offset, uint32_t length, uint8_t cap_len = 16) {
  f.bytes[at] = pci::kCapabilityVendor;
  f.bytes[at + 1] = next;
  f.bytes[at + 2] = cap_len;
  f.bytes[at + 3] = static_cast<uint8_t>(type);
  f.bytes[at + 4] = bar;
  FakeConfigSpace::put32(f, static_cast<uint8_t>(at + 8), offset);
  FakeConfigSpace::put32(f, static_cast<uint8_t>(at + 12), length);
}

// QEMU 7.2's modern virtio-net (virtio-net-pci,disable-legacy=on, 1af4:1041): MSI-X
// first (BAR 1), then common, ISR, device, notify (multiplier 4), all in BAR 4.
inline FakeConfigSpace::Function& qemu_like(FakeConfigSpace& config) {
  auto& f = config.add(kAt, 0x1af4, 0x1041, 0x02);
  FakeConfigSpace::put16(f, pci::reg::kStatus, pci::kStatusCapabilitiesList);
  f.bytes[pci::reg::kCapabilitiesPointer] = 0x98;
  f.bytes[0x98] = pci::kCapabilityMsix;
  f.bytes[0x99] = 0x84;
  put_cap(f, 0x84, 0x70, CfgType::kCommon, 4, 0x0000, 0x1000);
  put_cap(f, 0x70, 0x60, CfgType::kIsr, 4, 0x1000, 0x1000);
  put_cap(f, 0x60, 0x48, CfgType::kDevice, 4, 0x2000, 0x1000);
  put_cap(f, 0x48, 0x00, CfgType::kNotify, 4, 0x3000, 0x1000, 20);
  FakeConfigSpace::put32(f, 0x48 + 16, 4);
  FakeConfigSpace::set_bar64(f, 4, 0xfe000000, 0x4000, true);
  return f;
}

// Plain bytes: the notify and device-configuration regions.
class ByteWindow final : public RegisterWindow {
 public:
  explicit ByteWindow(size_t size) : bytes(size, 0) {}
  uint8_t read8(uint32_t o) override { return bytes.at(o); }
  uint16_t read16(uint32_t o) override { return get<uint16_t>(o); }
  uint32_t read32(uint32_t o) override { return get<uint32_t>(o); }
  void write8(uint32_t o, uint8_t v) override { bytes.at(o) = v; }
  void write16(uint32_t o, uint16_t v) override {
    put(o, v);
    writes16.push_back({o, v});
  }
  void write32(uint32_t o, uint32_t v) override { put(o, v); }
  std::vector<uint8_t> bytes;
  std::vector<std::pair<uint32_t, uint16_t>> writes16;

 private:
  template <class T>
  T get(uint32_t o) {
    T v{};
    if (o + sizeof(T) <= bytes.size()) std::memcpy(&v, &bytes[o], sizeof(T));
    return v;
  }
  template <class T>
  void put(uint32_t o, T v) {
    if (o + sizeof(T) <= bytes.size()) std::memcpy(&bytes[o], &v, sizeof(T));
  }
};

// The common configuration with the behaviour the handshake depends on: feature words
// selected by *_feature_select, per-queue registers selected by queue_select, reset
// on writing 0 to device_status, FEATURES_OK refused when asked to.
class FakeCommonConfig final : public RegisterWindow {
 public:
  struct Queue {
    uint16_t size = 256, notify_off = 0, enable = 0;
    uint64_t desc = 0, driver = 0, device = 0;
  };
  uint64_t offered = kFeatureVersion1;
  uint64_t accepted = 0;
  bool refuse_features = false;
  bool reset_sticks = false;
  uint8_t status = 0x7f;  // whatever the firmware left
  std::vector<uint8_t> status_writes;
  std::array<Queue, 2> queues;

  uint8_t read8(uint32_t o) override { return o == offsetof(CommonConfig, device_status) ? status : 0; }
  uint16_t read16(uint32_t o) override {
    if (o == offsetof(CommonConfig, num_queues)) return static_cast<uint16_t>(queues.size());
    if (Queue* q = selected(); q && o == offsetof(CommonConfig, queue_size)) return q->size;
    if (Queue* q = selected(); q && o == offsetof(CommonConfig, queue_notify_off)) return q->notify_off;
    return 0;
  }
  uint32_t read32(uint32_t o) override {
    if (o == offsetof(CommonConfig, device_feature))
      return static_cast<uint32_t>(offered >> (32 * feature_select_));
    return 0;
  }
  void write8(uint32_t o, uint8_t v) override {
    if (o != offsetof(CommonConfig, device_status)) return;
    status_writes.push_back(v);
    if (v == 0) {
      if (!reset_sticks) status = 0;
      accepted = 0;
      return;
    }
    if ((v & status::kFeaturesOk) && (refuse_features || (accepted & ~offered) != 0)) {
      v = static_cast<uint8_t>(v & ~status::kFeaturesOk);
    }
    status = v;
  }
  void write16(uint32_t o, uint16_t v) override {
    if (o == offsetof(CommonConfig, queue_select)) queue_select_ = v;
    Queue* q = selected();
    if (!q) return;
    if (o == offsetof(CommonConfig, queue_size)) q->size = v;
    if (o == offsetof(CommonConfig, queue_enable)) q->enable = v;
  }
  void write32(uint32_t o, uint32_t v) override {
    if (o == offsetof(CommonConfig, device_feature_select)) feature_select_ = v & 1;
    if (o == offsetof(CommonConfig, driver_feature_select)) driver_select_ = v & 1;
    if (o == offsetof(CommonConfig, driver_feature)) {
      uint64_t mask = 0xffffffffull << (32 * driver_select_);
      accepted = (accepted & ~mask) | (uint64_t{v} << (32 * driver_select_));
    }
    Queue* q = selected();
    if (!q) return;
    set_half(o, v, offsetof(CommonConfig, queue_desc_lo), q->desc);
    set_half(o, v, offsetof(CommonConfig, queue_driver_lo), q->driver);
    set_half(o, v, offsetof(CommonConfig, queue_device_lo), q->device);
  }

 private:
  Queue* selected() { return queue_select_ < queues.size() ? &queues[queue_select_] : nullptr; }
  static void set_half(uint32_t o, uint32_t v, uint32_t lo, uint64_t& value) {
    if (o == lo) value = (value & 0xffffffff00000000ull) | v;
    if (o == lo + 4) value = (value & 0xffffffffull) | (uint64_t{v} << 32);
  }
  uint32_t feature_select_ = 0, driver_select_ = 0;
  uint16_t queue_select_ = 0;
};

// Maps the regions qemu_like() announces to the fakes.
class FakeMapper final : public WindowMapper {
 public:
  RegisterWindow* map(uint64_t address, uint32_t) override {
    mapped.push_back(address);
    if (address == kBar4 + 0x0000) return &common;
    if (address == kBar4 + 0x2000) return &device;
    if (address == kBar4 + 0x3000) return &notify;
    return nullptr;
  }
  FakeCommonConfig common;
  ByteWindow device{0x1000};
  ByteWindow notify{0x1000};
  std::vector<uint64_t> mapped;
};

}  // namespace godwit::virtio::testing
