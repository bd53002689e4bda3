#include "net/net_config.h"

#include "drivers/nic/mac_address.h"

namespace godwit::net {

namespace {

Failure reject(Sink& why, std::string_view key, std::string_view value, std::string_view expected) {
  format(why, "{}={} is not valid: {}", key, value, expected);
  return fail(Error::kInvalidArgument);
}

}  // namespace

Expected<std::optional<NetConfig>> parse_net_config(const CommandLine& line, Sink& why) {
  auto ip = line.get("ip");
  if (!ip) return std::optional<NetConfig>();
  NetConfig config;
  auto interface = parse_ipv4_interface(*ip);
  if (!interface) {
    return reject(why, "ip", *ip,
                  interface.error() == Error::kRange ? "the prefix length must be 1 to 32"
                                                     : "expected A.B.C.D/N, for example 10.0.0.1/24");
  }
  if (std::string_view problem = unusable_host_address(*interface); !problem.empty()) {
    return reject(why, "ip", *ip, problem);
  }
  config.interface = *interface;
  if (auto gw = line.get("gw")) {
    auto gateway = parse_ipv4(*gw);
    if (!gateway) return reject(why, "gw", *gw, "expected A.B.C.D, for example 10.0.0.254");
    if (!config.interface.on_link(*gateway) || *gateway == config.interface.address) {
      return reject(why, "gw", *gw, "the gateway must be another address on the ip= network");
    }
    config.gateway = *gateway;
  }
  if (auto mac_text = line.get("mac")) {
    auto mac = parse_mac(*mac_text);
    if (!mac) return reject(why, "mac", *mac_text, "expected six hex bytes, for example 52:54:00:00:00:01");
    if ((mac->bytes[0] & 1) != 0)
      return reject(why, "mac", *mac_text, "a multicast address cannot be a NIC's");
    config.mac_override = *mac;
  }
  return std::optional<NetConfig>(config);
}

}  // namespace godwit::net
