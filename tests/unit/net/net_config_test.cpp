#include "net/net_config.h"

#include <gtest/gtest.h>

namespace godwit::net {
namespace {

Expected<std::optional<NetConfig>> parse(const char* text, FixedString<200>& why) {
  auto line = CommandLine::parse(text);
  EXPECT_TRUE(line);
  return parse_net_config(*line, why.sink());
}

TEST(NetConfig, NoIpMeansNoNetwork) {
  FixedString<200> why;
  auto config = parse("node=a", why);
  ASSERT_TRUE(config);
  EXPECT_FALSE(config->has_value());
}

TEST(NetConfig, ReadsAddressGatewayAndMac) {
  FixedString<200> why;
  auto config = parse("ip=10.0.0.1/24 gw=10.0.0.254 mac=52:54:00:00:00:07", why);
  ASSERT_TRUE(config && config->has_value()) << why.view();
  const NetConfig& c = **config;
  EXPECT_EQ(c.interface.address, (Ipv4Address{{10, 0, 0, 1}}));
  EXPECT_EQ(c.interface.prefix, 24);
  EXPECT_EQ(c.gateway, (Ipv4Address{{10, 0, 0, 254}}));
  ASSERT_TRUE(c.mac_override);
  EXPECT_EQ(c.mac_override->bytes[5], 7);
}

TEST(NetConfig, ExplainsEachBadValue) {
  struct Case {
    const char* line;
    const char* says;
  } cases[] = {
      {"ip=10.0.0.1", "ip=10.0.0.1 is not valid: expected A.B.C.D/N"},
      {"ip=10.0.0.1/40", "prefix length must be 1 to 32"},
      {"ip=10.0.0.255/24", "broadcast"},
      {"ip=10.0.0.1/24 gw=10.0.1.1", "gw=10.0.1.1 is not valid: the gateway must be"},
      {"ip=10.0.0.1/24 gw=10.0.0.1", "the gateway must be another address"},
      {"ip=10.0.0.1/24 gw=x", "expected A.B.C.D"},
      {"ip=10.0.0.1/24 mac=52:54", "mac=52:54 is not valid"},
      {"ip=10.0.0.1/24 mac=01:00:5e:00:00:01", "multicast"},
  };
  for (const Case& c : cases) {
    FixedString<200> why;
    auto config = parse(c.line, why);
    ASSERT_FALSE(config) << c.line;
    EXPECT_EQ(config.error(), Error::kInvalidArgument);
    EXPECT_NE(why.view().find(c.says), std::string_view::npos) << c.line << ": " << why.view();
  }
}

}  // namespace
}  // namespace godwit::net
