#include "net/nic_netif.h"

#include "lwip/pbuf.h"
#include "net/icmp_echo.h"
#include "net/pinger.h"
#include "tests/unit/net/lwip_test_env.h"

namespace godwit::net {
namespace {

using testing::FakeNic;

const uint8_t kPeerMac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};
const uint8_t kOurMac[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
const uint8_t kPeerIp[4] = {10, 0, 0, 2};
const uint8_t kOurIp[4] = {10, 0, 0, 1};

void put16(std::vector<uint8_t>& f, uint16_t v) {
  f.push_back(uint8_t(v >> 8));
  f.push_back(uint8_t(v));
}
void put(std::vector<uint8_t>& f, const uint8_t* bytes, size_t n) { f.insert(f.end(), bytes, bytes + n); }

std::vector<uint8_t> ethernet(const uint8_t* dst, uint16_t type) {
  std::vector<uint8_t> f;
  put(f, dst, 6);
  put(f, kPeerMac, 6);
  put16(f, type);
  return f;
}

std::vector<uint8_t> arp_request_from_peer() {
  const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const uint8_t zero[6] = {};
  auto f = ethernet(broadcast, 0x0806);
  put16(f, 1);
  put16(f, 0x0800);
  f.push_back(6);
  f.push_back(4);
  put16(f, 1);  // request
  put(f, kPeerMac, 6);
  put(f, kPeerIp, 4);
  put(f, zero, 6);
  put(f, kOurIp, 4);
  f.resize(60);
  return f;
}

// An IPv4 packet from the peer to us carrying `payload` with protocol `protocol`.
std::vector<uint8_t> ip_from_peer(uint8_t protocol, const std::vector<uint8_t>& payload) {
  auto f = ethernet(kOurMac, 0x0800);
  std::vector<uint8_t> header = {0x45, 0, 0, 0, 0, 1, 0, 0, 64, protocol, 0, 0};
  header[2] = uint8_t((20 + payload.size()) >> 8);
  header[3] = uint8_t(20 + payload.size());
  put(header, kPeerIp, 4);
  put(header, kOurIp, 4);
  uint16_t sum = icmp::internet_checksum(header);
  header[10] = uint8_t(sum >> 8);
  header[11] = uint8_t(sum);
  f.insert(f.end(), header.begin(), header.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

class NicNetifTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::init_lwip_once();
    NetConfig config;
    config.interface = {{{10, 0, 0, 1}}, 24};
    ASSERT_TRUE(netif.start(nic, config));
    ASSERT_EQ(nic.sent.size(), 1u);  // the gratuitous ARP announcing our address
    EXPECT_EQ(nic.sent[0][21], 1);
    nic.sent.clear();
  }
  void TearDown() override { netif.stop(); }
  bool poll() { return netif.poll(testing::fake_now_ns); }

  // Answers lwIP's ARP request for the peer, so that it can send IP packets there.
  void introduce_peer() {
    nic.inbound.push_back(arp_request_from_peer());
    poll();
    nic.sent.clear();
  }

  FakeNic nic;
  NicNetif netif;
};

TEST_F(NicNetifTest, AnswersArpForItsAddress) {
  nic.inbound.push_back(arp_request_from_peer());
  EXPECT_TRUE(poll());
  ASSERT_EQ(nic.sent.size(), 1u);
  const auto& reply = nic.sent[0];
  ASSERT_GE(reply.size(), 42u);
  EXPECT_TRUE(std::equal(kPeerMac, kPeerMac + 6, reply.begin()));  // to the asker
  EXPECT_TRUE(std::equal(kOurMac, kOurMac + 6, reply.begin() + 6));
  EXPECT_EQ(reply[12], 0x08);
  EXPECT_EQ(reply[13], 0x06);
  EXPECT_EQ(reply[21], 2);  // ARP reply
  EXPECT_TRUE(std::equal(kOurIp, kOurIp + 4, reply.begin() + 28));
}

TEST_F(NicNetifTest, AnswersPingFromThePeer) {
  introduce_peer();
  std::vector<uint8_t> echo(icmp::kEchoSize);
  icmp::build_echo_request(std::span<uint8_t, icmp::kEchoSize>(echo.data(), icmp::kEchoSize), 7, 3);
  nic.inbound.push_back(ip_from_peer(1, echo));
  poll();
  ASSERT_EQ(nic.sent.size(), 1u);
  std::span<const uint8_t> ip(nic.sent[0].data() + 14, nic.sent[0].size() - 14);
  auto reply = icmp::parse_echo_reply(ip, 7);
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->sequence, 3);
}

TEST_F(NicNetifTest, PingerGetsTheReplyAndIgnoresOthers) {
  introduce_peer();
  Pinger pinger(0x4242);
  ASSERT_TRUE(pinger.open());
  ASSERT_TRUE(pinger.send({{10, 0, 0, 2}}, 9));
  ASSERT_EQ(nic.sent.size(), 1u);
  // Turn our request into the peer's reply: type 0, checksum adjusted.
  std::vector<uint8_t> message(nic.sent[0].begin() + 34, nic.sent[0].end());
  ASSERT_EQ(message.size(), icmp::kEchoSize);
  message[0] = 0;
  message[2] = message[3] = 0;
  uint16_t sum = icmp::internet_checksum(message);
  message[2] = uint8_t(sum >> 8);
  message[3] = uint8_t(sum);
  std::vector<uint8_t> wrong_id = message;
  wrong_id[4] ^= 1;  // not ours: lwIP's ICMP code sees it and ignores it
  nic.inbound.push_back(ip_from_peer(1, wrong_id));
  poll();
  EXPECT_FALSE(pinger.take_reply());
  testing::fake_now_ns += 2'500'000;
  nic.inbound.push_back(ip_from_peer(1, message));
  poll();
  auto reply = pinger.take_reply();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->sequence, 9);
  EXPECT_EQ(reply->ttl, 64);
  EXPECT_EQ(reply->rtt_ns, 2'500'000u);
}

TEST_F(NicNetifTest, DropsFramesOfImpossibleLength) {
  nic.inbound.push_back(std::vector<uint8_t>(13, 0));
  nic.inbound.push_back(std::vector<uint8_t>(Nic::kMaxFrame + 1, 0));
  poll();
  EXPECT_EQ(netif.counters().rx_bad_length, 2u);
  EXPECT_TRUE(nic.sent.empty());
}

TEST_F(NicNetifTest, CountsADropWhenThePbufPoolIsEmpty) {
  std::vector<pbuf*> hoard;
  while (pbuf* p = pbuf_alloc(PBUF_RAW, 1500, PBUF_POOL)) hoard.push_back(p);
  nic.inbound.push_back(arp_request_from_peer());
  poll();
  EXPECT_EQ(netif.counters().rx_no_pbuf, 1u);
  EXPECT_TRUE(nic.sent.empty());
  for (pbuf* p : hoard) pbuf_free(p);
  nic.inbound.push_back(arp_request_from_peer());
  poll();
  EXPECT_EQ(nic.sent.size(), 1u);  // and works again once buffers are back
}

TEST_F(NicNetifTest, DropsFramesBeyondThePollBudget) {
  nic.extra_beyond_budget = 1;
  for (size_t i = 0; i < NicNetif::kPollBudget + 1; ++i) nic.inbound.push_back(arp_request_from_peer());
  poll();
  EXPECT_EQ(netif.counters().rx_over_budget, 1u);
  EXPECT_EQ(nic.sent.size(), NicNetif::kPollBudget);
}

TEST_F(NicNetifTest, HoldsFramesWhileTheNicIsBusyAndSendsThemInOrder) {
  nic.busy = true;
  nic.inbound.push_back(arp_request_from_peer());
  poll();  // the reply is held
  EXPECT_TRUE(nic.sent.empty());
  EXPECT_EQ(netif.counters().tx_held, 1u);
  nic.busy = false;
  poll();
  ASSERT_EQ(nic.sent.size(), 1u);
  EXPECT_EQ(nic.sent[0][21], 2);
}

TEST_F(NicNetifTest, FollowsTheLinkState) {
  EXPECT_TRUE(netif_is_link_up(netif.lwip_netif()));
  nic.link = false;
  testing::fake_now_ns += NicNetif::kLinkCheckNs;
  poll();
  EXPECT_FALSE(netif_is_link_up(netif.lwip_netif()));
}

struct GuestInbox final : GuestPort {
  void deliver(std::span<const uint8_t> frame) override { frames.emplace_back(frame.begin(), frame.end()); }
  std::vector<std::vector<uint8_t>> frames;
};

const MacAddress kGuestMac{{0x52, 0x54, 0x01, 0x00, 0x01, 0x01}};

// A guest's ARP request for the node's address, as its stack would send it.
std::vector<uint8_t> arp_request_from_guest() {
  const uint8_t broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  const uint8_t zero[6] = {};
  const uint8_t guest_ip[4] = {10, 0, 0, 21};
  std::vector<uint8_t> f;
  put(f, broadcast, 6);
  put(f, kGuestMac.bytes, 6);
  put16(f, 0x0806);
  put16(f, 1);
  put16(f, 0x0800);
  f.push_back(6);
  f.push_back(4);
  put16(f, 1);
  put(f, kGuestMac.bytes, 6);
  put(f, guest_ip, 4);
  put(f, zero, 6);
  put(f, kOurIp, 4);
  f.resize(60);
  return f;
}

TEST_F(NicNetifTest, SwitchCarriesGuestFramesToLwipAndTheLink) {
  GuestSwitch guest_switch;
  netif.attach_switch(guest_switch);
  GuestInbox guest;
  auto port = guest_switch.attach(guest, kGuestMac, {{10, 0, 0, 21}});
  ASSERT_TRUE(port);
  // The guest asks who has the node's address: a broadcast, so the link sees it too.
  netif.from_guest(*port, arp_request_from_guest(), testing::fake_now_ns);
  ASSERT_EQ(nic.sent.size(), 1u);
  nic.sent.clear();
  EXPECT_TRUE(poll());
  // lwIP answered the guest, through the switch only: nothing for the link.
  EXPECT_TRUE(nic.sent.empty());
  ASSERT_EQ(guest.frames.size(), 1u);
  EXPECT_TRUE(std::equal(kGuestMac.bytes, kGuestMac.bytes + 6, guest.frames[0].begin()));
  EXPECT_EQ(guest.frames[0][21], 2);  // ARP reply

  // A frame from the link for the guest's MAC reaches the guest and not lwIP.
  auto for_guest = ip_from_peer(17, std::vector<uint8_t>(8));
  std::copy(kGuestMac.bytes, kGuestMac.bytes + 6, for_guest.begin());
  nic.inbound.push_back(for_guest);
  poll();
  ASSERT_EQ(guest.frames.size(), 2u);
  EXPECT_EQ(guest.frames[1], for_guest);
  EXPECT_TRUE(nic.sent.empty());

  // A guest spoofing the node's address reaches nobody.
  auto spoof = arp_request_from_guest();
  spoof[28] = 10, spoof[29] = 0, spoof[30] = 0, spoof[31] = 1;
  netif.from_guest(*port, spoof, testing::fake_now_ns);
  EXPECT_FALSE(poll());
  EXPECT_TRUE(nic.sent.empty());
  EXPECT_EQ(guest_switch.counters(*port)->dropped_spoofed, 1u);
}

TEST_F(NicNetifTest, GuestFramesForTheLinkGiveWayToHeldNodeFrames) {
  GuestSwitch guest_switch;
  netif.attach_switch(guest_switch);
  GuestInbox guest;
  auto port = *guest_switch.attach(guest, kGuestMac, {{10, 0, 0, 21}});
  nic.busy = true;
  introduce_peer();  // lwIP's ARP reply is held: the NIC is busy
  nic.busy = false;
  netif.from_guest(port, arp_request_from_guest(), testing::fake_now_ns);
  EXPECT_TRUE(nic.sent.empty());  // dropped: the node's own frame waits first
  EXPECT_EQ(netif.counters().guest_to_link_dropped, 1u);
  poll();
  EXPECT_EQ(nic.sent.size(), 1u);  // the held ARP reply
}

}  // namespace
}  // namespace godwit::net
