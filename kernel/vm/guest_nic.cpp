#include "kernel/vm/guest_nic.h"

#include "kernel/time/clock.h"
#include "kernel/vm/guests.h"
#include "net/net.h"

namespace godwit::vm {

GuestNic::GuestNic(Vm& vm, const net::MacAddress& mac, const net::Ipv4Interface& address)
    : vm_(vm), address_(address), device_(devices::DeviceMemory(vm.memory, this), mac) {}

GuestNic::~GuestNic() {
  if (port_ != 0) net::guest_switch().detach(port_);
}

Status GuestNic::plug() {
  auto port = net::guest_switch().attach(*this, device_.mac(), address_.address);
  if (!port) return port.failure();
  port_ = *port;
  return ok();
}

bool GuestNic::pump() {
  // A stopped guest (paused for migration) must not have its rings touched: its device
  // state is captured at the pause and its RAM may already be on the way.
  if (device_.broken() || vm_.state == VmState::kStopped) return false;
  bool kicked = device_.take_transmit_kick();
  if (!kicked && !backlog_) return false;
  auto sent = device_.transmit(*this, kTransmitBudget);
  if (!sent) return false;
  backlog_ = *sent == kTransmitBudget;
  return *sent > 0;
}

void GuestNic::announce_if_due(uint64_t now_ns) {
  if (port_ == 0 || !announce_.take_due(now_ns)) return;
  uint8_t frame[net::kGratuitousArpBytes];
  size_t length = net::build_gratuitous_arp(device_.mac(), address_.address, frame);
  // As if the guest sent it: the switch checks its identity, floods it to the other
  // guests and sends it out of the uplink.
  net::from_guest(port_, {frame, length});
}

void GuestNic::deliver(std::span<const uint8_t> frame) {
  // Lost, as on any network, rather than written behind a migration's captured state.
  if (vm_.state == VmState::kStopped) return;
  // A broken ring is remembered by the device; poll_nics() ends the guest.
  (void)device_.receive(frame);
}

void GuestNic::wrote(uint64_t gpa, uint64_t bytes) { vm_.dirty.record_host_write(gpa, bytes); }

void GuestNic::transmit(std::span<const uint8_t> frame) { net::from_guest(port_, frame); }

bool poll_nics() {
  bool moved = false;
  uint64_t now = clock::now_ns();
  for (Vm& vm : slots()) {
    if (!vm.live() || vm.nic == nullptr) continue;
    if (vm.state != VmState::kStopped) vm.nic->announce_if_due(now);
    moved |= vm.nic->pump();
    if (vm.nic->broken()) end_guest(vm, EndReason::kDeviceError, 0, vm.nic->fault());
  }
  return moved;
}

net::MacAddress derived_guest_mac(const net::MacAddress& node, uint32_t guest_id) {
  return {{0x02, 0x67, node.bytes[3], node.bytes[4], node.bytes[5], static_cast<uint8_t>(guest_id)}};
}

}  // namespace godwit::vm
