#include "lib/parse.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ParseU64, DecimalAndHex) {
  EXPECT_EQ(*parse_u64("0"), 0u);
  EXPECT_EQ(*parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(*parse_u64("0x1F"), 31u);
}

TEST(ParseU64, RejectsJunkAndOverflow) {
  EXPECT_EQ(parse_u64("").error(), Error::kMalformed);
  EXPECT_EQ(parse_u64("12x").error(), Error::kMalformed);
  EXPECT_EQ(parse_u64("-1").error(), Error::kMalformed);
  EXPECT_EQ(parse_u64("0x").error(), Error::kMalformed);
  EXPECT_EQ(parse_u64("18446744073709551616").error(), Error::kRange);
  EXPECT_EQ(parse_u64("0x10000000000000000").error(), Error::kRange);
}

TEST(ParseSize, Suffixes) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("4K"), 4096u);
  EXPECT_EQ(*parse_size("16M"), 16u << 20);
  EXPECT_EQ(*parse_size("2g"), 2ull << 30);
  EXPECT_FALSE(parse_size("M"));
  EXPECT_EQ(parse_size("17179869184G").error(), Error::kRange);
}

TEST(ParseDurationMs, AcceptsMillisecondsSecondsAndBareSeconds) {
  EXPECT_EQ(*parse_duration_ms("250ms"), 250u);
  EXPECT_EQ(*parse_duration_ms("2s"), 2000u);
  EXPECT_EQ(*parse_duration_ms("3"), 3000u);
  EXPECT_FALSE(parse_duration_ms("ms"));
  EXPECT_FALSE(parse_duration_ms("1.5s"));
  EXPECT_FALSE(parse_duration_ms("5m"));
  EXPECT_EQ(parse_duration_ms("18446744073709552s").error(), Error::kRange);
}

TEST(NextWord, SplitsOnWhitespace) {
  std::string_view text = "  a bb\t ccc ";
  EXPECT_EQ(next_word(text), "a");
  EXPECT_EQ(next_word(text), "bb");
  EXPECT_EQ(next_word(text), "ccc");
  EXPECT_EQ(next_word(text), "");
}

}  // namespace
}  // namespace godwit
