#include "guests/lib/virtio_mmio_net.h"

#include <cstring>

#include "drivers/virtio_net/virtio_net_defs.h"
#include "godwit/abi.h"
#include "godwit/virtio_mmio.h"
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

namespace godwit::guest {

namespace mmio = virtio_mmio;

namespace {

alignas(4096) constinit uint64_t g_device_directory[512] = {};

// Maps the device page at its own address: PDPT entry 1 (1-2 GiB, above all RAM) points
// to a page directory whose first entry is a 2 MiB page, uncached (PCD|PWT) as device
// memory should be. Only the first 4 KiB exist; touching the rest ends the guest.
void map_device_page() {
  constexpr uint64_t kPresent = 1, kWritable = 2, kWriteThrough = 8, kNoCache = 16, kLarge = 128;
  constexpr uint64_t kAddressMask = 0x000F'FFFF'FFFF'F000;
  uint64_t cr3;
  asm volatile("mov %%cr3, %0" : "=r"(cr3));
  auto* pml4 = reinterpret_cast<uint64_t*>(cr3 & kAddressMask);
  auto* pdpt = reinterpret_cast<uint64_t*>(pml4[0] & kAddressMask);
  g_device_directory[0] = abi::kVirtioNetMmioBase | kPresent | kWritable | kWriteThrough | kNoCache | kLarge;
  pdpt[abi::kVirtioNetMmioBase >> 30] = gpa_of(g_device_directory) | kPresent | kWritable;
  asm volatile("invlpg (%0)" : : "r"(abi::kVirtioNetMmioBase) : "memory");
}

}  // namespace

// Plain 32-bit moves through a register: `mov r32, [reg]` and `mov [reg], r32`.
uint32_t VirtioMmioNet::read(uint32_t offset) const {
  uint32_t value;
  uint64_t address = abi::kVirtioNetMmioBase + offset;
  asm volatile("movl (%1), %0" : "=r"(value) : "r"(address) : "memory");
  return value;
}

void VirtioMmioNet::write(uint32_t offset, uint32_t value) const {
  uint64_t address = abi::kVirtioNetMmioBase + offset;
  asm volatile("movl %0, (%1)" : : "r"(value), "r"(address) : "memory");
}

bool VirtioMmioNet::setup_queue(uint32_t index, virtio::SplitVirtqueue& queue, uint8_t* area) {
  write(mmio::kQueueSel, index);
  if (read(mmio::kQueueNumMax) < kQueueSize) return false;
  if (!queue.init({area, 4096}, gpa_of(area), kQueueSize)) return false;
  write(mmio::kQueueNum, kQueueSize);
  write(mmio::kQueueDescLow, static_cast<uint32_t>(queue.descriptor_address()));
  write(mmio::kQueueDescHigh, static_cast<uint32_t>(queue.descriptor_address() >> 32));
  write(mmio::kQueueDriverLow, static_cast<uint32_t>(queue.driver_address()));
  write(mmio::kQueueDriverHigh, static_cast<uint32_t>(queue.driver_address() >> 32));
  write(mmio::kQueueDeviceLow, static_cast<uint32_t>(queue.device_address()));
  write(mmio::kQueueDeviceHigh, static_cast<uint32_t>(queue.device_address() >> 32));
  write(mmio::kQueueReady, 1);
  return true;
}

bool VirtioMmioNet::start() {
  map_device_page();
  if (read(mmio::kMagicValue) != mmio::kMagic || read(mmio::kVersion) != mmio::kVersion2 ||
      read(mmio::kDeviceId) != mmio::kDeviceIdNet) {
    println("net: no virtio-net device at {:#x} (start the guest with net=)", abi::kVirtioNetMmioBase);
    return false;
  }
  // virtio 1.1, 3.1.1: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK.
  write(mmio::kStatus, 0);
  write(mmio::kStatus, mmio::kStatusAcknowledge);
  write(mmio::kStatus, mmio::kStatusAcknowledge | mmio::kStatusDriver);
  write(mmio::kDeviceFeaturesSel, 0);
  uint64_t offered = read(mmio::kDeviceFeatures);
  write(mmio::kDeviceFeaturesSel, 1);
  offered |= uint64_t{read(mmio::kDeviceFeatures)} << 32;
  uint64_t wanted = virtio::kFeatureVersion1 | virtio_net::kFeatureMac;
  if ((offered & wanted) != wanted) {
    println("net: the device offers features {:#x}, without VERSION_1 and MAC", offered);
    return false;
  }
  write(mmio::kDriverFeaturesSel, 0);
  write(mmio::kDriverFeatures, static_cast<uint32_t>(wanted));
  write(mmio::kDriverFeaturesSel, 1);
  write(mmio::kDriverFeatures, static_cast<uint32_t>(wanted >> 32));
  uint32_t status = mmio::kStatusAcknowledge | mmio::kStatusDriver | mmio::kStatusFeaturesOk;
  write(mmio::kStatus, status);
  if ((read(mmio::kStatus) & mmio::kStatusFeaturesOk) == 0) {
    println("net: the device refused features {:#x}", wanted);
    return false;
  }
  if (!setup_queue(virtio_net::kReceiveQueue, rx_, rx_area_) ||
      !setup_queue(virtio_net::kTransmitQueue, tx_, tx_area_)) {
    println("net: the device's queues are too small");
    write(mmio::kStatus, status | mmio::kStatusFailed);
    return false;
  }
  uint32_t mac_low = read(mmio::kConfig), mac_high = read(mmio::kConfig + 4);
  for (int i = 0; i < 4; ++i) mac_[i] = static_cast<uint8_t>(mac_low >> (8 * i));
  mac_[4] = static_cast<uint8_t>(mac_high);
  mac_[5] = static_cast<uint8_t>(mac_high >> 8);
  for (uint16_t i = 0; i < kQueueSize; ++i) post_receive();
  rx_.publish();
  write(mmio::kStatus, status | mmio::kStatusDriverOk);
  return true;
}

// Buffer i always goes with descriptor i: the queue's free list names the id first.
void VirtioMmioNet::post_receive() {
  auto id = rx_.next_free();
  if (!id) return;
  (void)rx_.add(gpa_of(rx_buffers_[*id]), kBufferBytes, true);
}

void VirtioMmioNet::reclaim_transmits() {
  while (tx_.take_used()) {
  }
}

bool VirtioMmioNet::send(std::span<const uint8_t> frame) {
  if (!queue(frame)) return false;
  kick();
  return true;
}

void VirtioMmioNet::kick() const { write(mmio::kQueueNotify, virtio_net::kTransmitQueue); }

bool VirtioMmioNet::queue(std::span<const uint8_t> frame) {
  reclaim_transmits();
  auto id = tx_.next_free();
  if (!id || frame.size() > kMaxFrame) {
    ++tx_busy_;
    return false;
  }
  uint8_t* buffer = tx_buffers_[*id];
  std::memset(buffer, 0, kHeaderBytes);
  std::memcpy(buffer + kHeaderBytes, frame.data(), frame.size());
  (void)tx_.add(gpa_of(buffer), static_cast<uint32_t>(kHeaderBytes + frame.size()), false);
  tx_.publish();
  return true;
}

}  // namespace godwit::guest
