#include "net/guest_announce.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::net {
namespace {

TEST(GratuitousArp, IsABroadcastRequestForTheGuestsOwnAddress) {
  MacAddress mac{{0x02, 0x67, 0x00, 0x00, 0x01, 0x05}};
  Ipv4Address ip{{10, 0, 0, 21}};
  std::vector<uint8_t> frame(64, 0xaa);
  ASSERT_EQ(build_gratuitous_arp(mac, ip, frame), kGratuitousArpBytes);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(frame[i], 0xff);
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 6, frame.begin() + 12),
            std::vector<uint8_t>(mac.bytes, mac.bytes + 6));
  EXPECT_EQ(frame[12], 0x08);
  EXPECT_EQ(frame[13], 0x06);
  EXPECT_EQ(frame[14 + 7], 1);  // request
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 22, frame.begin() + 28),
            std::vector<uint8_t>(mac.bytes, mac.bytes + 6));
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 28, frame.begin() + 32),
            std::vector<uint8_t>({10, 0, 0, 21}));
  for (int i = 32; i < 38; ++i) EXPECT_EQ(frame[i], 0) << i;
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 38, frame.begin() + 42),
            std::vector<uint8_t>({10, 0, 0, 21}));
  for (size_t i = 42; i < kGratuitousArpBytes; ++i) EXPECT_EQ(frame[i], 0) << i;
  EXPECT_EQ(frame[60], 0xaa);  // nothing written past the frame
}

TEST(GratuitousArp, AShortBufferGetsNothing) {
  std::vector<uint8_t> frame(59);
  EXPECT_EQ(build_gratuitous_arp({}, {}, frame), 0u);
}

TEST(AnnounceSchedule, FiveRoundsAtZeroFiftyTwoHundredFourHundredFiftySevenHundredMs) {
  AnnounceSchedule schedule;
  EXPECT_FALSE(schedule.take_due(0));  // not started
  const uint64_t ms = 1'000'000, t0 = 1'000 * ms;
  schedule.start(t0);
  std::vector<uint64_t> sent_at;
  for (uint64_t t = t0; t < t0 + 2'000 * ms; t += ms) {
    if (schedule.take_due(t)) sent_at.push_back((t - t0) / ms);
  }
  EXPECT_EQ(sent_at, std::vector<uint64_t>({0, 50, 200, 450, 800}));
  EXPECT_FALSE(schedule.active());
  EXPECT_EQ(schedule.sent(), 5u);
}

TEST(AnnounceSchedule, ALatePollSendsOnceAndKeepsTheRhythm) {
  AnnounceSchedule schedule;
  const uint64_t ms = 1'000'000;
  schedule.start(0);
  EXPECT_TRUE(schedule.take_due(0));
  EXPECT_TRUE(schedule.take_due(120 * ms));  // due at 50, polled late
  EXPECT_FALSE(schedule.take_due(121 * ms));
  EXPECT_TRUE(schedule.take_due(200 * ms));  // next still due at 50 + 150
}

}  // namespace
}  // namespace godwit::net
