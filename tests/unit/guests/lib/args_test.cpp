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

}  // namespace
}  // namespace godwit::guest
