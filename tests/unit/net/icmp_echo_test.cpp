#include "net/icmp_echo.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::net::icmp {
namespace {

// A reply as a peer would send it: our request turned around inside an IPv4 header.
std::vector<uint8_t> reply_packet(uint16_t id, uint16_t sequence) {
  uint8_t echo[kEchoSize];
  build_echo_request(echo, id, sequence);
  echo[0] = 0;
  echo[2] = echo[3] = 0;
  uint16_t sum = internet_checksum(echo);
  echo[2] = uint8_t(sum >> 8);
  echo[3] = uint8_t(sum);
  const uint8_t header[20] = {0x45, 0, 0, uint8_t(20 + kEchoSize), 0, 0, 0, 0, 63, 1, 0, 0, 10, 0, 0, 2, 10,
                              0,    0, 1};
  std::vector<uint8_t> packet(sizeof header + kEchoSize);
  std::copy(header, header + sizeof header, packet.begin());
  std::copy(echo, echo + kEchoSize, packet.begin() + sizeof header);
  return packet;
}

TEST(IcmpEcho, ChecksumFollowsRfc1071) {
  // RFC 1071's example bytes: the one's complement sum is 0xddf2.
  const uint8_t bytes[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(bytes), uint16_t(~0xddf2));
  const uint8_t odd[] = {0x01};
  EXPECT_EQ(internet_checksum(odd), uint16_t(~0x0100));
}

TEST(IcmpEcho, RequestCarriesIdSequenceAndAValidChecksum) {
  uint8_t echo[kEchoSize];
  build_echo_request(echo, 0x1234, 0x0102);
  EXPECT_EQ(echo[0], 8);
  EXPECT_EQ(echo[4], 0x12);
  EXPECT_EQ(echo[7], 0x02);
  EXPECT_EQ(internet_checksum(echo), 0);
}

TEST(IcmpEcho, AcceptsTheMatchingReply) {
  auto reply = parse_echo_reply(reply_packet(7, 42), 7);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->sequence, 42);
  EXPECT_EQ(reply->ttl, 63);
}

TEST(IcmpEcho, RejectsEverythingElse) {
  EXPECT_FALSE(parse_echo_reply(reply_packet(7, 42), 8));  // another pinger's
  auto corrupt = reply_packet(7, 42);
  corrupt[40] ^= 1;
  EXPECT_FALSE(parse_echo_reply(corrupt, 7));
  auto request = reply_packet(7, 42);
  request[20] = 8;
  EXPECT_FALSE(parse_echo_reply(request, 7));
  auto truncated = reply_packet(7, 42);
  truncated.resize(60);
  EXPECT_FALSE(parse_echo_reply(truncated, 7));
  auto bad_ihl = reply_packet(7, 42);
  bad_ihl[0] = 0x4f;  // 60-byte header: past the ICMP message
  EXPECT_FALSE(parse_echo_reply(bad_ihl, 7));
  auto tcp = reply_packet(7, 42);
  tcp[9] = 6;
  EXPECT_FALSE(parse_echo_reply(tcp, 7));
  EXPECT_FALSE(parse_echo_reply(std::vector<uint8_t>(10, 0x45), 7));
}

}  // namespace
}  // namespace godwit::net::icmp
