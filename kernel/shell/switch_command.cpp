// `switch`: the node's guest switch port by port (net/guest_switch.*): what each guest's
// port forwarded and what it dropped, and why. One `@event switch_port` per port (with
// the guest card's drop and wait counters), so a test can read the counters of the guest
// it is watching.
#include "drivers/nic/mac_address.h"
#include "kernel/console/event.h"
#include "kernel/shell/net_commands.h"
#include "kernel/vm/guest_nic.h"
#include "kernel/vm/guests.h"
#include "net/ipv4_address.h"
#include "net/net.h"

namespace godwit::shell {

namespace {

void emit_port(const vm::Vm& vm, const net::SwitchPortCounters& c) {
  FixedString<24> mac, ip;
  net::format_mac(mac.sink(), vm.nic->device().mac());
  net::format_ipv4(ip.sink(), vm.nic->address().address);
  Event e("switch_port");
  e->field("guest", vm.id)
      .field("port", vm.nic->port())
      .field("mac", mac.view())
      .field("ip", ip.view())
      .field("forwarded", c.in_frames)
      .field("delivered", c.out_frames)
      .field("dropped_spoof", c.dropped_spoofed)
      .field("dropped_protocol", c.dropped_protocol)
      .field("dropped_rate", c.dropped_rate)
      // The card's own: frames it dropped, and transmits it held, at pages still on a
      // post-copy source (decision 0024), and frames it dropped for want of a buffer.
      .field("card_rx_absent", vm.nic->device().counters().rx_absent)
      .field("card_tx_page_waits", vm.nic->device().counters().tx_page_waits)
      .field("card_rx_no_buffer", vm.nic->device().counters().rx_no_buffer);
}

}  // namespace

void command_switch(Sink& out, ShellArgs) {
  const net::GuestSwitch& sw = net::guest_switch();
  format(out, "switch: {} guest ports; frames from the link for no local MAC: {}\n", sw.guest_count(),
         sw.uplink_not_local());
  format(out, "  {:>5} {:>4}  {:<17}  {:<15} {:>9} {:>9} {:>9} {:>9} {:>9}\n", "guest", "port", "MAC", "IPv4",
         "forwarded", "delivered", "spoofed", "protocol", "rate");
  for (const vm::Vm& vm : vm::slots()) {
    if (!vm.live() || vm.nic == nullptr || vm.nic->port() == 0) continue;
    const net::SwitchPortCounters* c = sw.counters(vm.nic->port());
    if (c == nullptr) continue;
    format(out, "  {:>5} {:>4}  ", vm.id, vm.nic->port());
    net::format_mac(out, vm.nic->device().mac());
    FixedString<24> ip;
    net::format_ipv4(ip.sink(), vm.nic->address().address);
    format(out, "  {:<15} {:>9} {:>9} {:>9} {:>9} {:>9}\n", ip.view(), c->in_frames, c->out_frames,
           c->dropped_spoofed, c->dropped_protocol, c->dropped_rate);
    emit_port(vm, *c);
  }
}

}  // namespace godwit::shell
