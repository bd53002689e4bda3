#include "net/ipv4_address.h"

#include <gtest/gtest.h>

namespace godwit::net {
namespace {

TEST(Ipv4Address, ParsesAndFormats) {
  auto a = parse_ipv4("10.0.200.255");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host_order(), 0x0a00c8ffu);
  FixedString<20> text;
  format_ipv4(text.sink(), *a);
  EXPECT_EQ(text.view(), "10.0.200.255");
  EXPECT_EQ(Ipv4Address::from_host_order(0x0a00c8ff), *a);
}

TEST(Ipv4Address, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0", "10.0.0.1.", "10.0.0.256", "10..0.1", "1000.0.0.1", "10.0.0.-1",
                          "10.0.0.1 ", "a.b.c.d", "10.0.0.1/24"}) {
    EXPECT_FALSE(parse_ipv4(bad)) << bad;
  }
}

TEST(Ipv4Interface, ParsesPrefixAndMask) {
  auto i = parse_ipv4_interface("10.0.0.1/24");
  ASSERT_TRUE(i);
  EXPECT_EQ(i->prefix, 24);
  EXPECT_EQ(i->netmask(), (Ipv4Address{{255, 255, 255, 0}}));
  EXPECT_TRUE(i->on_link({{10, 0, 0, 2}}));
  EXPECT_FALSE(i->on_link({{10, 0, 1, 2}}));
  EXPECT_EQ(parse_ipv4_interface("10.0.0.1/32")->netmask(), (Ipv4Address{{255, 255, 255, 255}}));
  EXPECT_EQ(parse_ipv4_interface("10.0.0.1/1")->netmask(), (Ipv4Address{{128, 0, 0, 0}}));
}

TEST(Ipv4Interface, RejectsBadPrefixes) {
  EXPECT_EQ(parse_ipv4_interface("10.0.0.1/33").error(), Error::kRange);
  EXPECT_EQ(parse_ipv4_interface("10.0.0.1/0").error(), Error::kMalformed);
  for (const char* bad : {"10.0.0.1", "10.0.0.1/", "10.0.0.1/024", "10.0.0.1/2x", "10.0.0.1/100"}) {
    EXPECT_FALSE(parse_ipv4_interface(bad)) << bad;
  }
}

TEST(Ipv4Interface, KnowsWhichAddressesAHostCannotHave) {
  EXPECT_TRUE(unusable_host_address(*parse_ipv4_interface("10.0.0.1/24")).empty());
  EXPECT_TRUE(unusable_host_address(*parse_ipv4_interface("10.0.0.0/31")).empty());
  for (const char* bad : {"0.0.0.0/8", "127.0.0.1/8", "224.0.0.1/24", "10.0.0.0/24", "10.0.0.255/24"}) {
    EXPECT_FALSE(unusable_host_address(*parse_ipv4_interface(bad)).empty()) << bad;
  }
}

}  // namespace
}  // namespace godwit::net
