#include "net/ipv4_address.h"

#include "lib/parse.h"

namespace godwit::net {

uint32_t Ipv4Address::host_order() const {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

Ipv4Address Ipv4Address::from_host_order(uint32_t value) {
  return {{static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
           static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)}};
}

Ipv4Address Ipv4Interface::netmask() const {
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  return Ipv4Address::from_host_order(mask);
}

bool Ipv4Interface::on_link(const Ipv4Address& other) const {
  uint32_t mask = netmask().host_order();
  return (address.host_order() & mask) == (other.host_order() & mask);
}

Expected<Ipv4Address> parse_ipv4(std::string_view text) {
  Ipv4Address address;
  for (size_t part = 0; part < 4; ++part) {
    size_t end = part < 3 ? text.find('.') : text.size();
    if (end == std::string_view::npos || end == 0 || end > 3) return fail(Error::kMalformed);
    uint32_t value = 0;
    for (char c : text.substr(0, end)) {
      if (c < '0' || c > '9') return fail(Error::kMalformed);
      value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value > 255) return fail(Error::kMalformed);
    address.bytes[part] = static_cast<uint8_t>(value);
    text.remove_prefix(part < 3 ? end + 1 : end);
  }
  return address;
}

Expected<Ipv4Interface> parse_ipv4_interface(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return fail(Error::kMalformed);
  auto address = parse_ipv4(text.substr(0, slash));
  if (!address) return address.failure();
  std::string_view prefix_text = text.substr(slash + 1);
  if (prefix_text.empty() || prefix_text.size() > 2) return fail(Error::kMalformed);
  auto prefix = parse_u64(prefix_text);
  if (!prefix || prefix_text[0] == '0') return fail(Error::kMalformed);
  if (*prefix < 1 || *prefix > 32) return fail(Error::kRange);
  return Ipv4Interface{*address, static_cast<uint8_t>(*prefix)};
}

void format_ipv4(Sink& out, const Ipv4Address& a) {
  format(out, "{}.{}.{}.{}", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
}

std::string_view unusable_host_address(const Ipv4Interface& interface) {
  uint32_t value = interface.address.host_order();
  if (value == 0) return "it is the unspecified address 0.0.0.0";
  if (interface.address.bytes[0] == 127) return "it is a loopback address (127/8)";
  if (interface.address.bytes[0] >= 224) return "it is a multicast or reserved address (224/3)";
  if (interface.prefix <= 30) {
    uint32_t host = value & ~interface.netmask().host_order();
    if (host == 0) return "it is the network's own address (host part all zeros)";
    if (host == ~interface.netmask().host_order()) return "it is the network's broadcast address";
  }
  return {};
}

}  // namespace godwit::net
