// libFuzzer target for the pinger's reply check: arbitrary bytes as an IPv4 packet from
// the link into parse_echo_reply(). Besides memory safety and UB it checks that what
// it accepts is at least an IPv4 header and an echo reply of our size.
#include <cstddef>
#include <cstdint>

#include "net/icmp_echo.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  uint16_t id = input.take<uint16_t>();
  std::span<const uint8_t> packet = input.rest();
  std::optional<net::icmp::EchoReply> reply = net::icmp::parse_echo_reply(packet, id);
  if (reply) FUZZ_REQUIRE(packet.size() >= 20 + net::icmp::kEchoSize);
  return 0;
}
