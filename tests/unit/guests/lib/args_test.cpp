#include "guests/lib/args.h"

#include <gtest/gtest.h>

namespace godwit::guest {
namespace {

TEST(GuestArgs, FindsKeysByWholeName) {
  std::string_view line = "  image=dirtier wss=4M  rate=200 ratex=1 r=2";
  std::string_view value;
  ASSERT_TRUE(find_arg(line, "wss", value));
  EXPECT_EQ(value, "4M");
  ASSERT_TRUE(find_arg(line, "rate", value));
  EXPECT_EQ(value, "200");
  ASSERT_TRUE(find_arg(line, "r", value));
  EXPECT_EQ(value, "2");
  EXPECT_FALSE(find_arg(line, "period", value));
  EXPECT_FALSE(find_arg("", "wss", value));
  EXPECT_FALSE(find_arg("wss", "wss", value));  // no '='
  ASSERT_TRUE(find_arg("wss=", "wss", value));
  EXPECT_EQ(value, "");
}

TEST(GuestArgs, ParsesNumbersStrictly) {
  uint64_t v = 0;
  EXPECT_TRUE(parse_u64("1000", v) && v == 1000);
  EXPECT_TRUE(parse_u64("0x1F", v) && v == 31);
  EXPECT_TRUE(parse_u64("18446744073709551615", v) && v == UINT64_MAX);
  EXPECT_FALSE(parse_u64("18446744073709551616", v));
  EXPECT_FALSE(parse_u64("", v));
  EXPECT_FALSE(parse_u64("12x", v));
  EXPECT_FALSE(parse_u64("-1", v));
  EXPECT_FALSE(parse_u64("0x", v));
}

TEST(GuestArgs, ParsesSizes) {
  uint64_t v = 0;
  EXPECT_TRUE(parse_size("4M", v) && v == 4u << 20);
  EXPECT_TRUE(parse_size("64k", v) && v == 64u << 10);
  EXPECT_TRUE(parse_size("1G", v) && v == 1u << 30);
  EXPECT_TRUE(parse_size("4096", v) && v == 4096);
  EXPECT_FALSE(parse_size("4Q", v));
  EXPECT_FALSE(parse_size("M", v));
  EXPECT_FALSE(parse_size("17179869184G", v));  // overflows 64 bits
}

}  // namespace
}  // namespace godwit::guest
