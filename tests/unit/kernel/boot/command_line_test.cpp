#include "kernel/boot/command_line.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit {
namespace {

TEST(CommandLine, KeysValuesAndFlags) {
  auto line = CommandLine::parse("guest=counter mem=16M  autostart\tip=10.0.0.1/24");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->size(), 4u);
  EXPECT_EQ(*line->get("guest"), "counter");
  EXPECT_EQ(*line->get("mem"), "16M");
  EXPECT_EQ(*line->get("autostart"), "");
  EXPECT_EQ(*line->get("ip"), "10.0.0.1/24");
  EXPECT_FALSE(line->get("absent"));
  EXPECT_TRUE(line->has("autostart"));
}

TEST(CommandLine, EmptyIsValid) {
  auto line = CommandLine::parse("   ");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->size(), 0u);
}

TEST(CommandLine, ValueMayContainEquals) {
  auto line = CommandLine::parse("a=b=c");
  ASSERT_TRUE(line);
  EXPECT_EQ(*line->get("a"), "b=c");
}

TEST(CommandLine, RejectsMalformedInput) {
  EXPECT_EQ(CommandLine::parse("=x").error(), Error::kMalformed);
  EXPECT_EQ(CommandLine::parse("Mem=1").error(), Error::kMalformed);
  EXPECT_EQ(CommandLine::parse("a;b=1").error(), Error::kMalformed);
  EXPECT_EQ(CommandLine::parse("a=1 a=2").error(), Error::kExists);
  EXPECT_EQ(CommandLine::parse(std::string_view("a=\x01", 3)).error(), Error::kMalformed);
}

// Found by command_line_fuzz: '.' was accepted in keys although the contract is
// [a-z0-9_-], so an address typed where a key belongs ("10.0.0.2") became a flag.
TEST(CommandLine, RejectsKeysOutsideTheirAlphabet) {
  EXPECT_EQ(CommandLine::parse("10.0.0.2").error(), Error::kMalformed);
  EXPECT_EQ(CommandLine::parse("migrate.key=1").error(), Error::kMalformed);
  EXPECT_TRUE(CommandLine::parse("migrate_key=1 a-b 0"));
}

TEST(CommandLine, RejectsOversizedInput) {
  std::string many;
  for (size_t i = 0; i <= CommandLine::kMaxEntries; ++i) many += "k" + std::to_string(i) + " ";
  EXPECT_EQ(CommandLine::parse(many).error(), Error::kRange);
  EXPECT_EQ(CommandLine::parse(std::string(CommandLine::kMaxLength + 1, 'a')).error(), Error::kRange);
}

}  // namespace
}  // namespace godwit
