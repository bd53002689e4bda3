#include "kernel/vm/guest_nic.h"

#include "kernel/time/clock.h"
#include "kernel/vm/absent_pages.h"
#include "kernel/vm/guests.h"
#include "net/net.h"

namespace godwit::vm {

GuestNic::GuestNic(Vm& vm, const net::MacAddress& mac, const net::Ipv4Interface& address)
    : vm_(vm), address_(address), device_(devices::DeviceMemory(vm.memory, this, this), mac) {}

namespace {

// A guest stopped for a migration (paused on the source, stranded or not yet started on
// a destination) must not have its rings touched: its device state is captured at the
// pause and its RAM may be on the way. A post-copy guest whose vCPU only waits for a page
// is not paused: its card works on (every page it touches is checked, decision 0024).
bool card_may_run(const Vm& vm) {
  if (vm.state != VmState::kStopped) return true;
  return vm.absent_pages != nullptr && vm.waiting_gfn != kNoAbsentPage;
}

}  // namespace

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
  if (device_.broken() || !card_may_run(vm_)) return false;
  bool kicked = device_.take_transmit_kick();
  // A transmit that stopped at an absent page tries again at every poll until the page
  // has come (asking again costs nothing: the request is outstanding).
  if (!kicked && !backlog_ && !device_.transmit_waiting()) return false;
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
  if (!card_may_run(vm_)) return;
  // A broken ring is remembered by the device; poll_nics() ends the guest.
  (void)device_.receive(frame);
}

void GuestNic::wrote(uint64_t gpa, uint64_t bytes) { vm_.dirty.record_host_write(gpa, bytes); }

void GuestNic::transmit(std::span<const uint8_t> frame) { net::from_guest(port_, frame); }

bool GuestNic::present(uint64_t gfn) const {
  return vm_.absent_pages == nullptr || vm_.absent_pages->present(gfn);
}

void GuestNic::fetch(uint64_t gfn) {
  if (vm_.absent_pages != nullptr) (void)vm_.absent_pages->fetch(gfn);
}

bool poll_nics() {
  bool moved = false;
  uint64_t now = clock::now_ns();
  for (Vm& vm : slots()) {
    if (!vm.live() || vm.nic == nullptr) continue;
    if (card_may_run(vm)) vm.nic->announce_if_due(now);
    moved |= vm.nic->pump();
    if (vm.nic->broken()) end_guest(vm, EndReason::kDeviceError, 0, vm.nic->fault());
  }
  return moved;
}

net::MacAddress derived_guest_mac(const net::MacAddress& node, uint32_t guest_id) {
  return {{0x02, 0x67, node.bytes[3], node.bytes[4], node.bytes[5], static_cast<uint8_t>(guest_id)}};
}

}  // namespace godwit::vm
