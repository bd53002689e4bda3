#include "net/guest_switch.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::net {
namespace {

struct Inbox final : GuestPort {
  void deliver(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
  std::vector<std::vector<uint8_t>> frames;
};

const MacAddress kHostMac{{0x52, 0x54, 0x00, 0, 0, 1}};
const MacAddress kMacA{{0x52, 0x54, 0x01, 0, 1, 1}};
const MacAddress kMacB{{0x52, 0x54, 0x01, 0, 1, 2}};
const MacAddress kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
const MacAddress kElsewhere{{0x52, 0x54, 0x00, 9, 9, 9}};
const Ipv4Address kHostIp{{10, 0, 0, 1}}, kIpA{{10, 0, 0, 21}}, kIpB{{10, 0, 0, 22}},
    kIpOther{{10, 0, 0, 99}};

std::vector<uint8_t> ipv4(const MacAddress& dst, const MacAddress& src, const Ipv4Address& from) {
  std::vector<uint8_t> f(14 + 28, 0);
  std::copy(dst.bytes, dst.bytes + 6, f.begin());
  std::copy(src.bytes, src.bytes + 6, f.begin() + 6);
  f[12] = 0x08;
  f[13] = 0x00;
  f[14] = 0x45;
  std::copy(from.bytes, from.bytes + 4, f.begin() + 14 + 12);
  return f;
}

std::vector<uint8_t> arp(const MacAddress& src, const MacAddress& sender_mac, const Ipv4Address& sender_ip) {
  std::vector<uint8_t> f(14 + 28, 0);
  std::copy(kBroadcast.bytes, kBroadcast.bytes + 6, f.begin());
  std::copy(src.bytes, src.bytes + 6, f.begin() + 6);
  f[12] = 0x08;
  f[13] = 0x06;
  std::copy(sender_mac.bytes, sender_mac.bytes + 6, f.begin() + 14 + 8);
  std::copy(sender_ip.bytes, sender_ip.bytes + 4, f.begin() + 14 + 14);
  return f;
}

struct TwoGuests {
  GuestSwitch sw;
  Inbox a, b;
  GuestSwitch::PortId pa = 0, pb = 0;
  TwoGuests() {
    sw.set_host(kHostMac, kHostIp);
    pa = *sw.attach(a, kMacA, kIpA);
    pb = *sw.attach(b, kMacB, kIpB);
  }
};

TEST(GuestSwitch, GuestToGuestUnicastStaysInside) {
  TwoGuests t;
  Forwarding f = t.sw.from_guest(t.pa, ipv4(kMacB, kMacA, kIpA), 0);
  EXPECT_FALSE(f.dropped);
  EXPECT_FALSE(f.to_uplink);
  EXPECT_FALSE(f.to_host);
  EXPECT_EQ(t.b.frames.size(), 1u);
  EXPECT_TRUE(t.a.frames.empty());
}

TEST(GuestSwitch, BroadcastReachesEveryoneButTheSender) {
  TwoGuests t;
  Forwarding f = t.sw.from_guest(t.pa, arp(kMacA, kMacA, kIpA), 0);
  EXPECT_TRUE(f.to_uplink);
  EXPECT_TRUE(f.to_host);
  EXPECT_EQ(t.b.frames.size(), 1u);
  EXPECT_TRUE(t.a.frames.empty());
  Forwarding from_link = t.sw.from_uplink(arp(kElsewhere, kElsewhere, kIpOther));
  EXPECT_TRUE(from_link.to_host);
  EXPECT_EQ(t.a.frames.size(), 1u);
  EXPECT_EQ(t.b.frames.size(), 2u);
}

TEST(GuestSwitch, HostAndUplinkUnicast) {
  TwoGuests t;
  Forwarding to_host = t.sw.from_guest(t.pa, ipv4(kHostMac, kMacA, kIpA), 0);
  EXPECT_TRUE(to_host.to_host);
  EXPECT_FALSE(to_host.to_uplink);
  Forwarding out = t.sw.from_guest(t.pa, ipv4(kElsewhere, kMacA, kIpA), 0);
  EXPECT_TRUE(out.to_uplink);
  EXPECT_FALSE(out.to_host);
  Forwarding host_to_a = t.sw.from_host(ipv4(kMacA, kHostMac, kHostIp));
  EXPECT_FALSE(host_to_a.to_uplink);
  EXPECT_EQ(t.a.frames.size(), 1u);
  EXPECT_TRUE(t.sw.from_host(ipv4(kElsewhere, kHostMac, kHostIp)).to_uplink);
  Forwarding link_to_b = t.sw.from_uplink(ipv4(kMacB, kElsewhere, kIpOther));
  EXPECT_FALSE(link_to_b.to_host);
  EXPECT_EQ(t.b.frames.size(), 1u);
  EXPECT_TRUE(t.sw.from_uplink(ipv4(kHostMac, kElsewhere, kIpOther)).to_host);
  Forwarding foreign = t.sw.from_uplink(ipv4(kElsewhere, kElsewhere, kIpOther));
  EXPECT_TRUE(foreign.dropped);
  EXPECT_EQ(t.sw.uplink_not_local(), 1u);
}

TEST(GuestSwitch, SpoofedFramesAreDroppedAndCounted) {
  TwoGuests t;
  EXPECT_TRUE(t.sw.from_guest(t.pa, ipv4(kElsewhere, kMacB, kIpA), 0).dropped);     // B's MAC
  EXPECT_TRUE(t.sw.from_guest(t.pa, ipv4(kElsewhere, kHostMac, kIpA), 0).dropped);  // the node's MAC
  EXPECT_TRUE(t.sw.from_guest(t.pa, ipv4(kElsewhere, kMacA, kIpB), 0).dropped);     // B's IP
  EXPECT_TRUE(t.sw.from_guest(t.pa, ipv4(kElsewhere, kMacA, kHostIp), 0).dropped);  // the node's IP
  EXPECT_TRUE(t.sw.from_guest(t.pa, arp(kMacA, kMacA, kIpB), 0).dropped);           // ARP for B's IP
  EXPECT_TRUE(t.sw.from_guest(t.pa, arp(kMacA, kMacB, kIpA), 0).dropped);           // ARP sender MAC
  EXPECT_EQ(t.sw.counters(t.pa)->dropped_spoofed, 6u);
  EXPECT_TRUE(t.b.frames.empty());

  auto ipv6 = ipv4(kBroadcast, kMacA, kIpA);
  ipv6[12] = 0x86;
  ipv6[13] = 0xdd;
  EXPECT_TRUE(t.sw.from_guest(t.pa, ipv6, 0).dropped);
  auto short_arp = arp(kMacA, kMacA, kIpA);
  short_arp.resize(14 + 20);
  EXPECT_TRUE(t.sw.from_guest(t.pa, short_arp, 0).dropped);
  EXPECT_TRUE(t.sw.from_guest(t.pa, std::vector<uint8_t>(10), 0).dropped);
  EXPECT_EQ(t.sw.counters(t.pa)->dropped_protocol, 3u);
  EXPECT_EQ(t.sw.counters(t.pa)->in_frames, 0u);
}

TEST(GuestSwitch, AttachRefusesDuplicatesAndGroupAddresses) {
  TwoGuests t;
  Inbox c;
  EXPECT_EQ(t.sw.attach(c, kMacA, kIpOther).error(), Error::kExists);
  EXPECT_EQ(t.sw.attach(c, kElsewhere, kIpB).error(), Error::kExists);
  EXPECT_EQ(t.sw.attach(c, kHostMac, kIpOther).error(), Error::kExists);
  EXPECT_EQ(t.sw.attach(c, kElsewhere, kHostIp).error(), Error::kExists);
  EXPECT_EQ(t.sw.attach(c, kBroadcast, kIpOther).error(), Error::kInvalidArgument);
  EXPECT_EQ(t.sw.attach(c, MacAddress{}, kIpOther).error(), Error::kInvalidArgument);
  t.sw.detach(t.pb);
  EXPECT_EQ(t.sw.guest_count(), 1u);
  EXPECT_TRUE(t.sw.attach(c, kMacB, kIpB));
  EXPECT_TRUE(t.sw.from_guest(t.pb + 100, ipv4(kMacA, kMacB, kIpB), 0).dropped);  // no such port
}

// An arriving guest's identity is checked before its ACK and plugged only when it starts:
// the check must say what attach would say, and take nothing.
TEST(GuestSwitch, IdentityFreeAnswersAsAttachWouldWithoutTakingAPort) {
  TwoGuests t;
  EXPECT_EQ(t.sw.identity_free(kMacA, kIpOther).error(), Error::kExists);
  EXPECT_EQ(t.sw.identity_free(kElsewhere, kHostIp).error(), Error::kExists);
  EXPECT_EQ(t.sw.identity_free(kBroadcast, kIpOther).error(), Error::kInvalidArgument);
  EXPECT_TRUE(t.sw.identity_free(kElsewhere, kIpOther));
  EXPECT_EQ(t.sw.guest_count(), 2u);
  Inbox c;
  EXPECT_TRUE(t.sw.attach(c, kElsewhere, kIpOther));
  EXPECT_EQ(t.sw.identity_free(kElsewhere, kIpOther).error(), Error::kExists);
}

TEST(GuestSwitch, RateLimitThrottlesOnlyTheFlooder) {
  GuestSwitch sw;
  sw.set_host(kHostMac, kHostIp);
  Inbox a, b;
  auto pa = *sw.attach(a, kMacA, kIpA, RateLimit{1000, 10});
  auto pb = *sw.attach(b, kMacB, kIpB, RateLimit{1000, 10});
  size_t passed = 0;
  for (int i = 0; i < 100; ++i)
    passed += sw.from_guest(pa, ipv4(kElsewhere, kMacA, kIpA), 1'000'000).dropped ? 0 : 1;
  EXPECT_EQ(passed, 10u);
  EXPECT_EQ(sw.counters(pa)->dropped_rate, 90u);
  EXPECT_FALSE(sw.from_guest(pb, ipv4(kElsewhere, kMacB, kIpB), 1'000'000).dropped);  // B unaffected
  // 5 ms later, 5 more frames' worth has refilled.
  passed = 0;
  for (int i = 0; i < 100; ++i)
    passed += sw.from_guest(pa, ipv4(kElsewhere, kMacA, kIpA), 6'000'000).dropped ? 0 : 1;
  EXPECT_EQ(passed, 5u);
}

TEST(TokenBucket, RefillsAtTheRateUpToTheBurst) {
  TokenBucket slow(RateLimit{10, 2});
  EXPECT_TRUE(slow.take(0));
  EXPECT_TRUE(slow.take(0));
  EXPECT_FALSE(slow.take(50'000'000));  // half a frame after 50 ms
  EXPECT_TRUE(slow.take(100'000'000));
  EXPECT_FALSE(slow.take(100'000'000));
  EXPECT_TRUE(slow.take(10'000'000'000));  // long idle: full, but only the burst
  EXPECT_TRUE(slow.take(10'000'000'000));
  EXPECT_FALSE(slow.take(10'000'000'000));
}

}  // namespace
}  // namespace godwit::net
