// The hypervisor's network: lwIP over the one NIC, configured from the boot command line
// (ip=A.B.C.D/N [gw=A.B.C.D] [mac=..]). Everything network-related runs from net::poll(),
// which the idle loop calls (and shell commands that wait, from their own loops).
#pragma once

#include <span>

#include "kernel/boot/command_line.h"
#include "lib/expected.h"
#include "net/guest_switch.h"

namespace godwit::net {

class NicNetif;  // net/nic_netif.h (kept out of here: it pulls in lwIP's headers)

// Reads the network settings, finds the NIC and brings the interface up. Logs one clear
// line and emits `@event net` on success; logs why and fails otherwise (the machine runs
// on without a network). Without ip= networking stays off and this succeeds. Call once,
// after the heap and the clock exist.
Status init(const CommandLine& line);

// Moves frames between the NIC and lwIP and runs lwIP's timers. Returns whether any
// frame moved (the idle loop halts until the next tick only when none did).
bool poll();

// The interface, or nullptr when networking is off.
NicNetif* interface();

// The switch between the node's NIC, its own interface and the guests' NICs (decision
// 0012). It exists with networking off too: guests then reach only each other.
GuestSwitch& guest_switch();
// The node NIC's MAC, or all zeros when networking is off.
MacAddress node_mac();
// A frame a guest transmitted on switch port `port`: to other guests, lwIP and the link.
void from_guest(GuestSwitch::PortId port, std::span<const uint8_t> frame);

}  // namespace godwit::net
