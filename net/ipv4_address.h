// IPv4 addresses as people type them ("10.0.0.1", "10.0.0.1/24"), independent of lwIP so
// that the shell and the command line can be checked on the host.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/expected.h"
#include "lib/format.h"

namespace godwit::net {

struct Ipv4Address {
  uint8_t bytes[4] = {};  // network order: bytes[0] is the first number people write

  bool operator==(const Ipv4Address&) const = default;
  uint32_t host_order() const;
  static Ipv4Address from_host_order(uint32_t value);
};

// An interface address and its on-link prefix ("10.0.0.1/24").
struct Ipv4Interface {
  Ipv4Address address;
  uint8_t prefix = 0;  // 1..32

  Ipv4Address netmask() const;
  bool on_link(const Ipv4Address& other) const;
};

// Four decimal numbers 0-255 separated by '.', each 1-3 digits; kMalformed otherwise.
Expected<Ipv4Address> parse_ipv4(std::string_view text);
// "A.B.C.D/N" with N in 1..32. kMalformed for the syntax, kRange for the prefix.
Expected<Ipv4Interface> parse_ipv4_interface(std::string_view text);
void format_ipv4(Sink& out, const Ipv4Address& address);

// Why `address` cannot be a host's own address on `interface`'s network, or empty when it
// can: unspecified, loopback, multicast, broadcast, or the network's own/broadcast address.
std::string_view unusable_host_address(const Ipv4Interface& interface);

}  // namespace godwit::net
