// A guest's network card as the VM layer holds it: the pure virtio-net device
// (kernel/vm/devices/virtio_net_device.*) over this guest's RAM, plugged into the node's
// switch (net/guest_switch.*) as one port. It turns MMIO exits into register accesses,
// sends what the guest transmits into the switch, delivers the switch's frames into the
// guest's receive queue, and marks the pages it writes dirty while migration tracks the
// guest. A device the guest broke is reported by fault(); the guest is then ended by the
// exit handler or the next poll_nics(), never from inside the switch.
// On a post-copy destination the card is the device's PagePresence: it asks the guest's
// AbsentPages (the incoming migration) whether a page is here and for the ones that are
// not, so the device never touches a page still on the source (decision 0024).
#pragma once

#include <cstdint>
#include <span>

#include "drivers/nic/nic.h"
#include "kernel/vm/devices/virtio_net_device.h"
#include "lib/expected.h"
#include "net/guest_announce.h"
#include "net/guest_switch.h"
#include "net/ipv4_address.h"

namespace godwit::vm {

class Vm;

class GuestNic final : public net::GuestPort,
                       public devices::DeviceWriteLog,
                       public devices::GuestFrameSink,
                       public devices::PagePresence {
 public:
  static constexpr size_t kTransmitBudget = 32;  // frames per exit or poll

  GuestNic(Vm& vm, const net::MacAddress& mac, const net::Ipv4Interface& address);
  ~GuestNic();
  GuestNic(const GuestNic&) = delete;
  GuestNic& operator=(const GuestNic&) = delete;

  // Takes a port on the switch: kExists when the MAC or address is already in use.
  Status plug();
  // A migrated guest's device state (the driver keeps running, no reset): checked in full
  // against this guest's RAM by VirtioNetDevice::load.
  Status load(const devices::VirtioNetState& state) { return device_.load(state); }
  // After a migration: gratuitous ARP for the guest's address from its MAC, through the
  // switch, in AnnounceSchedule's rounds, sent from poll_nics().
  void start_announcing(uint64_t now_ns) { announce_.start(now_ns); }
  uint32_t announcements_sent() const { return announce_.sent(); }
  // Post-copy, as the guest starts: ask for its rings' absent pages ahead of the push.
  void fetch_ring_pages() const { device_.fetch_ring_pages(); }

  Expected<uint32_t> mmio_read(uint64_t offset) { return device_.read(offset, 4); }
  Status mmio_write(uint64_t offset, uint32_t value) { return device_.write(offset, 4, value); }
  // Sends what the guest queued (after a notify, or left over from the last budget).
  // Returns whether any frame moved; false with broken() set when the guest broke a ring.
  bool pump();

  bool broken() const { return device_.broken(); }
  std::string_view fault() const { return device_.fault(); }
  const devices::VirtioNetDevice& device() const { return device_; }
  const net::Ipv4Interface& address() const { return address_; }
  net::GuestSwitch::PortId port() const { return port_; }

 private:
  void deliver(std::span<const uint8_t> frame) override;
  void wrote(uint64_t gpa, uint64_t bytes) override;
  void transmit(std::span<const uint8_t> frame) override;
  bool present(uint64_t gfn) const override;
  void fetch(uint64_t gfn) override;

  Vm& vm_;
  net::Ipv4Interface address_;
  devices::VirtioNetDevice device_;
  net::GuestSwitch::PortId port_ = 0;
  bool backlog_ = false;  // the last pump stopped at its budget
  net::AnnounceSchedule announce_;

  friend bool poll_nics();
  void announce_if_due(uint64_t now_ns);
};

// Sends every guest NIC's pending frames and ends guests whose device is broken. A main
// loop poller; returns whether any frame moved.
bool poll_nics();

// The MAC of a guest that was not given one: locally administered (02:67), the node's
// NIC's last three bytes, and the guest's id.
net::MacAddress derived_guest_mac(const net::MacAddress& node, uint32_t guest_id);

}  // namespace godwit::vm
