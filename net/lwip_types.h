// Conversions between Godwit's address types and lwIP's.
#pragma once

#include <cstring>

#include "lwip/ip4_addr.h"
#include "net/ipv4_address.h"

namespace godwit::net {

inline ip4_addr_t to_lwip(const Ipv4Address& address) {
  ip4_addr_t out;
  std::memcpy(&out.addr, address.bytes, 4);  // both in network order
  return out;
}

inline Ipv4Address from_lwip(const ip4_addr_t& address) {
  Ipv4Address out;
  std::memcpy(out.bytes, &address.addr, 4);
  return out;
}

}  // namespace godwit::net
