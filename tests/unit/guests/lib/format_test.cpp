#include "guests/lib/format.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit::guest {
namespace {

template <class... Args>
std::string formatted(std::string_view fmt, const Args&... args) {
  Line line;
  format_to(line, fmt, args...);
  return std::string(line.view());
}

TEST(GuestFormat, NumbersAndText) {
  EXPECT_EQ(formatted("counter {} t={}", uint64_t{7}, 250), "counter 7 t=250");
  EXPECT_EQ(formatted("{} {}", int64_t{-5}, INT64_MIN), "-5 -9223372036854775808");
  EXPECT_EQ(formatted("{}", UINT64_MAX), "18446744073709551615");
  EXPECT_EQ(formatted("at {:#x} / {:x}", uint64_t{0x106000}, 255u), "at 0x106000 / ff");
  EXPECT_EQ(formatted("{} {} {}", "text", std::string_view("view"), true), "text view true");
  EXPECT_EQ(formatted("{}", 0), "0");
}

TEST(GuestFormat, BracesAndBadPlaceholders) {
  EXPECT_EQ(formatted("{{}} {}", 1), "{} 1");
  EXPECT_EQ(formatted("{} {}", 1), "1 {?}");  // missing argument
  EXPECT_EQ(formatted("{:q}", 1), "{?}");     // unknown spec
  EXPECT_EQ(formatted("open { brace"), "open { brace");
  EXPECT_EQ(formatted("{}", static_cast<const char*>(nullptr)), "(null)");
}

TEST(GuestFormat, LongLinesAreCutVisiblyAndStillEndTheLine) {
  Line line;
  std::string long_text(Line::kCapacity + 50, 'a');
  format_to(line, "{}", long_text.c_str());
  std::string_view text = line.terminated();
  ASSERT_EQ(text.size(), Line::kCapacity + 1);
  EXPECT_EQ(text.substr(Line::kCapacity - 3), "...\n");
  Line short_line;
  format_to(short_line, "ok");
  EXPECT_EQ(short_line.terminated(), "ok\n");
}

}  // namespace
}  // namespace godwit::guest
