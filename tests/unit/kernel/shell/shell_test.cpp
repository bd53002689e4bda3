#include "kernel/shell/shell.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace godwit {
namespace {

class StringSink final : public Sink {
 public:
  void write(std::string_view text) override { text_.append(text); }
  std::string take() { return std::exchange(text_, {}); }

 private:
  std::string text_;
};

std::vector<std::string> calls;

void record(Sink& out, ShellArgs args) {
  std::string joined;
  for (auto word : args) joined += std::string(word) + "|";
  calls.push_back(joined);
  format(out, "ran\n");
}

constexpr ShellCommand kTable[] = {
    {"echo", "echo <a> [b]", "records its arguments", 1, 2, record},
    {"info", "info", "takes nothing", 0, 0, record},
};

class ShellTest : public ::testing::Test {
 protected:
  void SetUp() override { calls.clear(); }
  StringSink out_;
  Shell shell_{out_, kTable};
};

TEST_F(ShellTest, RunsCommandsWithArguments) {
  shell_.execute("  echo  one two ");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], "echo|one|two|");
  EXPECT_EQ(out_.take(), "ran\n");
}

TEST_F(ShellTest, UnknownCommandGetsAClearMessage) {
  shell_.execute("frobnicate 1");
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(out_.take(), "error: unknown command 'frobnicate' (type 'help' for the list)\n");
}

TEST_F(ShellTest, WrongArgumentCountShowsUsage) {
  shell_.execute("echo");
  shell_.execute("echo 1 2 3");
  shell_.execute("info extra");
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(out_.take(), "usage: echo <a> [b]\nusage: echo <a> [b]\nusage: info\n");
}

TEST_F(ShellTest, TooManyWordsIsRefused) {
  shell_.execute("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19");  // 20 words
  EXPECT_TRUE(calls.empty());
  EXPECT_NE(out_.take().find("too many words"), std::string::npos);
}

TEST_F(ShellTest, HelpListsEveryCommandAndExplainsOne) {
  shell_.execute("help");
  std::string text = out_.take();
  EXPECT_NE(text.find("echo <a> [b]"), std::string::npos);
  EXPECT_NE(text.find("takes nothing"), std::string::npos);
  shell_.execute("help echo");
  EXPECT_EQ(out_.take(), "usage: echo <a> [b]\n  records its arguments\n");
  shell_.execute("help nope");
  EXPECT_EQ(out_.take(), "help: no command 'nope'\n");
}

TEST_F(ShellTest, FeedEditsEchoesAndRunsOnEnter) {
  for (char c : std::string("ecgo\b\bho x\r\n")) shell_.feed(c);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], "echo|x|");
  EXPECT_EQ(out_.take(), "ecgo\b \b\b \bho x\r\nran\n" + std::string(Shell::kPrompt));
}

TEST_F(ShellTest, EmptyLineJustPromptsAgain) {
  shell_.feed('\r');
  EXPECT_TRUE(calls.empty());
  EXPECT_EQ(out_.take(), "\r\n" + std::string(Shell::kPrompt));
}

}  // namespace
}  // namespace godwit
