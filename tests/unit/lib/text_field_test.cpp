#include "lib/text_field.h"

#include <gtest/gtest.h>

#include <cstring>

namespace godwit {
namespace {

TEST(CopyToField, ShortTextIsTerminatedAndTheRestZeroed) {
  char field[8];
  std::memset(field, 'x', sizeof field);
  EXPECT_EQ(copy_to_field(field, "abc"), "abc");
  EXPECT_STREQ(field, "abc");
  for (size_t i = 3; i < sizeof field; ++i) EXPECT_EQ(field[i], '\0') << "byte " << i;
}

TEST(CopyToField, LongTextIsCutToLeaveRoomForTheNul) {
  char field[4];
  EXPECT_EQ(copy_to_field(field, "abcdef"), "abc");
  EXPECT_EQ(field[3], '\0');
  char exact[4];
  EXPECT_EQ(copy_to_field(exact, "abc"), "abc");
  EXPECT_EQ(exact[3], '\0');
}

TEST(CopyToField, EmptyTextClearsTheField) {
  char field[4] = {'a', 'b', 'c', 'd'};
  EXPECT_EQ(copy_to_field(field, ""), "");
  for (char c : field) EXPECT_EQ(c, '\0');
}

}  // namespace
}  // namespace godwit
