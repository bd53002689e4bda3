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

// Issue 15, finding 10: a migrating guest's name comes from the peer's HEADER and went
// raw into console prefixes; a name with a newline forged a whole @event line.
TEST(CopyPrintableToField, ControlBytesEscapesAndHighBytesBecomeQuestionMarks) {
  char field[32];
  static constexpr char kEvil[] = "a\x1b[31m\n@event {}\r\x7f\xff";
  std::string_view evil(kEvil, sizeof kEvil - 1);
  std::string_view copy = copy_printable_to_field(field, evil, false);
  EXPECT_EQ(copy, "a?[31m?@event?{}???");
  for (char c : copy) {
    EXPECT_GT(static_cast<unsigned char>(c), 0x20);
    EXPECT_LT(static_cast<unsigned char>(c), 0x7f);
  }
}

TEST(CopyPrintableToField, SpacesStayOnlyWhereAsked) {
  char line[16], name[16];
  EXPECT_EQ(copy_printable_to_field(line, "wss=1M rate=0", true), "wss=1M rate=0");
  EXPECT_EQ(copy_printable_to_field(name, "my guest", false), "my?guest");
}

TEST(CopyPrintableToField, StaysBoundedByTheField) {
  char field[5];
  EXPECT_EQ(copy_printable_to_field(field, "\n\n\n\n\n\n\n", false), "????");
  EXPECT_EQ(field[4], '\0');
}

}  // namespace
}  // namespace godwit
