#include "lib/format.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

template <class... Args>
std::string fmt(std::string_view f, const Args&... args) {
  FixedString<256> out;
  format(out, f, args...);
  return std::string(out.view());
}

TEST(Format, PlainTextAndPlaceholders) {
  EXPECT_EQ(fmt("hello"), "hello");
  EXPECT_EQ(fmt("{} + {} = {}", 1, 2, 3), "1 + 2 = 3");
  EXPECT_EQ(fmt("{}", std::string_view("sv")), "sv");
  EXPECT_EQ(fmt("{}", "cstr"), "cstr");
  EXPECT_EQ(fmt("{}{}", true, 'c'), "truec");
}

TEST(Format, SignedExtremes) {
  EXPECT_EQ(fmt("{}", INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(fmt("{}", -5), "-5");
  EXPECT_EQ(fmt("{}", UINT64_MAX), "18446744073709551615");
}

TEST(Format, HexBinaryWidthAndFill) {
  EXPECT_EQ(fmt("{:x}", 255u), "ff");
  EXPECT_EQ(fmt("{:X}", 255u), "FF");
  EXPECT_EQ(fmt("{:#x}", 255u), "0xff");
  EXPECT_EQ(fmt("{:08x}", 0xbeefu), "0000beef");
  EXPECT_EQ(fmt("{:#010x}", 0xbeefu), "0x0000beef");
  EXPECT_EQ(fmt("{:#b}", 5u), "0b101");
  EXPECT_EQ(fmt("[{:5}]", 42), "[   42]");
  EXPECT_EQ(fmt("[{:<5}]", 42), "[42   ]");
  EXPECT_EQ(fmt("[{:<6}]", "ab"), "[ab    ]");
  EXPECT_EQ(fmt("{:06}", -42), "-00042");
}

TEST(Format, BracesAndMismatchedArguments) {
  EXPECT_EQ(fmt("{{}}"), "{}");
  EXPECT_EQ(fmt("{} {}", 1), "1 {?}");
  EXPECT_EQ(fmt("{:q!}", 1), "{?}");
  EXPECT_EQ(fmt("open {", 1), "open {");
  EXPECT_EQ(fmt("close }"), "close }");
}

TEST(Format, NullCStringPrintsNullRatherThanReadingAddressZero) {
  const char* missing = nullptr;
  char* also_missing = nullptr;
  EXPECT_EQ(fmt("[{}] [{}]", missing, also_missing), "[(null)] [(null)]");
  const char* present = "text";
  EXPECT_EQ(fmt("{}", present), "text");
}

TEST(Format, ErrorsPrintTheirText) { EXPECT_EQ(fmt("{}", Error::kOutOfMemory), "out of memory"); }

TEST(Format, BufferSinkTruncatesAndRemembers) {
  char storage[4];
  BufferSink sink(storage, sizeof storage);
  format(sink, "{}", 123456);
  EXPECT_EQ(sink.view(), "1234");
  EXPECT_TRUE(sink.overflowed());
}

}  // namespace
}  // namespace godwit
