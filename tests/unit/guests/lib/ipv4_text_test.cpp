#include "guests/lib/ipv4_text.h"

#include <gtest/gtest.h>

namespace godwit::guest {
namespace {

TEST(EchoIpv4Text, ParsesAddressesAndPrefixes) {
  uint8_t a[4];
  uint8_t prefix = 0;
  ASSERT_TRUE(parse_ipv4_prefix_text("10.0.0.21/24", a, prefix));
  EXPECT_EQ(a[0], 10);
  EXPECT_EQ(a[3], 21);
  EXPECT_EQ(prefix, 24);
  ASSERT_TRUE(parse_ipv4_text("255.255.255.0", a));
  EXPECT_EQ(a[2], 255);
}

TEST(EchoIpv4Text, RefusesAnythingElse) {
  uint8_t a[4];
  uint8_t prefix = 0;
  for (const char* bad :
       {"", "10.0.0", "10.0.0.256", "10.0.0.1.", "10..0.1", "1000.0.0.1", "10.0.0.1x", "a.b.c.d"}) {
    EXPECT_FALSE(parse_ipv4_text(bad, a)) << bad;
  }
  for (const char* bad : {"10.0.0.21", "10.0.0.21/", "10.0.0.21/0", "10.0.0.21/33", "10.0.0.21/2x", "/24"}) {
    EXPECT_FALSE(parse_ipv4_prefix_text(bad, a, prefix)) << bad;
  }
}

}  // namespace
}  // namespace godwit::guest
