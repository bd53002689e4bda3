// The hypervisor's network: lwIP over the one NIC, configured from the boot command line
// (ip=A.B.C.D/N [gw=A.B.C.D] [mac=..]). Everything network-related runs from net::poll(),
// which the idle loop calls (and shell commands that wait, from their own loops).
#pragma once

#include "kernel/boot/command_line.h"
#include "lib/expected.h"

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

}  // namespace godwit::net
