#include "guests/lib/line.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit::guest {
namespace {

TEST(GuestLine, TakesTheBaseLibrarysFormatting) {
  Line line;
  format(line, "counter {} t={} at {:#x}", uint64_t{7}, 250, uint64_t{0x106000});
  EXPECT_EQ(line.view(), "counter 7 t=250 at 0x106000");
}

TEST(GuestLine, LongLinesAreCutVisiblyAndStillEndTheLine) {
  Line line;
  std::string long_text(Line::kCapacity + 50, 'a');
  format(line, "{}", long_text.c_str());
  std::string_view text = line.terminated();
  ASSERT_EQ(text.size(), Line::kCapacity + 1);
  EXPECT_EQ(text.substr(Line::kCapacity - 3), "...\n");
  Line short_line;
  format(short_line, "ok");
  EXPECT_EQ(short_line.terminated(), "ok\n");
}

TEST(GuestLine, ClearStartsOver) {
  Line line;
  format(line, "{}", std::string(Line::kCapacity + 1, 'b').c_str());
  line.clear();
  format(line, "x");
  EXPECT_EQ(line.terminated(), "x\n");
}

}  // namespace
}  // namespace godwit::guest
