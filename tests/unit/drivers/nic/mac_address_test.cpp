#include "drivers/nic/mac_address.h"

#include <gtest/gtest.h>

namespace godwit::net {
namespace {

TEST(MacAddress, ParsesAndFormats) {
  auto mac = parse_mac("52:54:00:Ab:cd:0f");
  ASSERT_TRUE(mac);
  FixedString<32> text;
  format_mac(text.sink(), *mac);
  EXPECT_EQ(text.view(), "52:54:00:ab:cd:0f");
}

TEST(MacAddress, RejectsMalformed) {
  for (const char* bad :
       {"", "52:54:00:ab:cd", "52:54:00:ab:cd:0g", "52-54-00-ab-cd-0f", "52:54:00:ab:cd:0f:"}) {
    EXPECT_FALSE(parse_mac(bad)) << bad;
  }
}

}  // namespace
}  // namespace godwit::net
