#include "guests/netabuse/frames.h"

#include <gtest/gtest.h>

#include <array>

namespace godwit::guest {
namespace {

constexpr Endpoint kSelf{{0x02, 0x67, 0, 0, 1, 0x15}, {10, 0, 0, 31}};
constexpr Endpoint kHost{{0x52, 0x54, 0, 0, 0, 0xfe}, {10, 0, 0, 254}};

TEST(NetabuseFrames, ParsesMacText) {
  uint8_t mac[6];
  ASSERT_TRUE(parse_mac_text("02:67:0a:Bc:01:ff", mac));
  EXPECT_EQ(mac[0], 0x02);
  EXPECT_EQ(mac[3], 0xbc);
  EXPECT_EQ(mac[5], 0xff);
  EXPECT_FALSE(parse_mac_text("02:67:0a:bc:01", mac));
  EXPECT_FALSE(parse_mac_text("02-67-0a-bc-01-ff", mac));
  EXPECT_FALSE(parse_mac_text("02:67:0a:bc:01:fg", mac));
  EXPECT_FALSE(parse_mac_text("", mac));
}

TEST(NetabuseFrames, ArpRequestIsBroadcastWithTheSendersIdentity) {
  std::array<uint8_t, 64> f{};
  ASSERT_EQ(build_arp(kArpRequest, kSelf, kHost, kHost.ip, f), kArpFrameBytes);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(f[i], 0xff);
  EXPECT_EQ(f[6 + 5], 0x15);
  EXPECT_EQ(f[12], 0x08);
  EXPECT_EQ(f[13], 0x06);
  EXPECT_EQ(f[14 + 7], kArpRequest);
  EXPECT_EQ(f[14 + 8 + 5], 0x15);  // sender MAC
  EXPECT_EQ(f[14 + 14 + 3], 31);   // sender IP
  EXPECT_EQ(f[14 + 18], 0);        // target MAC zero in a request
  EXPECT_EQ(f[14 + 24 + 3], 254);  // target IP
  EXPECT_EQ(build_arp(kArpRequest, kSelf, kHost, kHost.ip, std::span<uint8_t>(f.data(), 59)), 0u);
}

TEST(NetabuseFrames, FindsTheArpReplyOfTheAskedAddressOnly) {
  std::array<uint8_t, 64> f{};
  ASSERT_EQ(build_arp(kArpReply, kHost, kSelf, kSelf.ip, f), kArpFrameBytes);
  EXPECT_EQ(f[0], 0x02);  // unicast to the asker
  uint8_t mac[6] = {};
  ASSERT_TRUE(arp_reply_from(f, kHost.ip, mac));
  EXPECT_EQ(mac[5], 0xfe);
  EXPECT_FALSE(arp_reply_from(f, kSelf.ip, mac));
  build_arp(kArpRequest, kHost, kSelf, kSelf.ip, f);
  EXPECT_FALSE(arp_reply_from(f, kHost.ip, mac));
  EXPECT_FALSE(arp_reply_from(std::span<const uint8_t>(f.data(), 20), kHost.ip, mac));
}

TEST(NetabuseFrames, UdpDatagramHasValidIpv4Header) {
  std::array<uint8_t, 1514> f{};
  size_t n = build_udp(kSelf, kHost, 9, 9, 100, 0xa5, f);
  ASSERT_EQ(n, kUdpOverhead + 100);
  const uint8_t* ip = f.data() + kEthernetHeader;
  EXPECT_EQ(ip[0], 0x45);
  EXPECT_EQ(ip[2] << 8 | ip[3], 128);
  EXPECT_EQ(ip[9], 17);
  EXPECT_EQ(ip[15], 31);
  EXPECT_EQ(ip[19], 254);
  // A correct header checksum makes the sum over the header 0.
  EXPECT_EQ(frame_detail::checksum(ip, 20), 0);
  EXPECT_EQ(ip[20 + 4] << 8 | ip[20 + 5], 108);
  EXPECT_EQ(f[n - 1], 0xa5);
  EXPECT_EQ(build_udp(kSelf, kHost, 9, 9, 1473, 0, f), 0u);
  EXPECT_EQ(build_udp(kSelf, kHost, 9, 9, 100, 0, std::span<uint8_t>(f.data(), 141)), 0u);
}

}  // namespace
}  // namespace godwit::guest
