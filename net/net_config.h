// The network settings on the hypervisor's command line:
//   ip=10.0.0.1/24 [gw=10.0.0.254] [mac=52:54:00:00:00:01]
// No ip= means no networking. Decoded once at boot; see net::init (net/net.h).
#pragma once

#include <optional>

#include "drivers/nic/nic.h"
#include "kernel/boot/command_line.h"
#include "lib/expected.h"
#include "lib/format.h"
#include "net/ipv4_address.h"

namespace godwit::net {

struct NetConfig {
  Ipv4Interface interface;
  std::optional<Ipv4Address> gateway;      // for peers off the interface's network
  std::optional<MacAddress> mac_override;  // instead of the NIC's own address
};

// nullopt when the line has no ip=. On a bad value, fails with kInvalidArgument and
// writes one sentence to `why` naming the key, the value and what was expected.
Expected<std::optional<NetConfig>> parse_net_config(const CommandLine& line, Sink& why);

}  // namespace godwit::net
