// A guest's virtio-net device over the virtio-mmio transport (virtio 1.1, 4.2 and 5.1):
// the register block the guest reaches through MMIO exits, feature negotiation, and the
// receive and transmit queues in guest RAM. Pure: the kernel (kernel/vm/guest_nic.*)
// turns exits into read()/write(), hands transmitted frames to the switch and delivers
// frames from it with receive().
//
// The guest is untrusted. Any access or value no correct driver makes (a register that
// does not exist or is read-only, a size other than 32 bits, DRIVER_OK before
// FEATURES_OK, a queue set up outside RAM, a malformed ring or descriptor chain, a
// transmitted frame too short or too long) makes the device `broken` with one sentence in
// fault(); the caller ends the guest with it. Nothing a guest writes can make the device
// touch memory outside that guest's RAM.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/nic/nic.h"
#include "kernel/vm/devices/device_memory.h"
#include "kernel/vm/devices/device_virtqueue.h"
#include "kernel/vm/devices/virtio_net_state.h"
#include "lib/expected.h"
#include "lib/format.h"

namespace godwit::devices {

// Takes each frame the guest transmits (without the virtio-net header).
class GuestFrameSink {
 public:
  virtual void transmit(std::span<const uint8_t> frame) = 0;

 protected:
  ~GuestFrameSink() = default;
};

struct VirtioNetCounters {
  uint64_t rx_frames = 0, rx_bytes = 0;
  uint64_t rx_no_buffer = 0;   // the guest had no receive buffer posted: dropped
  uint64_t rx_not_ready = 0;   // the driver was not running yet: dropped
  uint64_t rx_absent = 0;      // a ring or the buffer was on a page not here yet: dropped
  uint64_t tx_page_waits = 0;  // transmit held at a page not here yet (once per hold)
  uint64_t tx_frames = 0, tx_bytes = 0;
};

class VirtioNetDevice {
 public:
  static constexpr size_t kHeaderBytes = 12;  // struct virtio_net_hdr with VERSION_1
  static constexpr size_t kMinRxBuffer = kHeaderBytes + net::Nic::kMaxFrame;  // 5.1.6.3.1
  static constexpr uint16_t kQueueSizeMax = 256;

  VirtioNetDevice(DeviceMemory memory, const net::MacAddress& mac) : memory_(memory) { state_.mac = mac; }

  // A 32-bit register access at `offset` into the register block (size in bytes).
  Expected<uint32_t> read(uint64_t offset, uint8_t size);
  Status write(uint64_t offset, uint8_t size, uint32_t value);

  // Whether the guest notified the transmit queue since the last call (cleared by it).
  bool take_transmit_kick();
  // Takes up to `budget` frames the guest queued and hands each to `sink`; returns how
  // many. Nothing happens until the driver is running. A chain whose ring entries,
  // buffers or used entry lie on a page not here yet (post-copy) stops it there, with
  // the chain left queued and its pages asked for: transmit_waiting() until a call finds
  // them here.
  Expected<size_t> transmit(GuestFrameSink& sink, size_t budget);
  bool transmit_waiting() const { return transmit_waiting_; }
  // Copies one frame into the guest's next receive buffer: true if delivered, false if
  // dropped (no buffer, driver not running, or the ring or buffer on a page not here yet,
  // which is then asked for; the buffer stays posted). An error is a broken ring (see
  // fault()).
  Expected<bool> receive(std::span<const uint8_t> frame);

  bool running() const;
  bool broken() const { return broken_; }
  std::string_view fault() const { return fault_.view(); }
  const VirtioNetCounters& counters() const { return counters_; }
  const net::MacAddress& mac() const { return state_.mac; }

  // The migratable state (virtio_net_state.h), and its restoration on a new node: every
  // value is checked against this guest's RAM as if the driver had just written it.
  VirtioNetState save() const;
  Status load(const VirtioNetState& state);
  // Asks for every absent page of the ready queues' rings (post-copy, at the start on the
  // destination): the first frames then find the rings here instead of being dropped.
  void fetch_ring_pages() const;

 private:
  Failure break_device(Error error);
  VirtioNetQueueState* selected_queue();
  Status write_status(uint32_t value);
  Status write_queue_register(uint64_t offset, uint32_t value);
  Status set_queue_ready(size_t index, bool ready);
  uint32_t read_config(uint64_t offset) const;
  // Whether the first `bytes` of the chain's buffers are here; asks for every absent page.
  bool chain_here(const DescriptorChain& chain, uint64_t bytes) const;

  DeviceMemory memory_;
  VirtioNetState state_{};
  DeviceVirtqueue queues_[VirtioNetState::kQueues];
  bool transmit_kicked_ = false;
  bool transmit_waiting_ = false;
  bool broken_ = false;
  FixedString<160> fault_;
  VirtioNetCounters counters_{};
  uint8_t frame_[net::Nic::kMaxFrame] = {};
};

}  // namespace godwit::devices
