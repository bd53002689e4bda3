#include "kernel/shell/line_editor.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace godwit {
namespace {

class NullSink final : public Sink {
 public:
  void write(std::string_view) override {}
};

std::optional<std::string> type(LineEditor& editor, const std::string& keys) {
  std::optional<std::string> line;
  for (char c : keys) {
    if (auto done = editor.feed(c)) line = std::string(*done);
  }
  return line;
}

TEST(LineEditor, ArrowKeysAndControlBytesAreIgnored) {
  NullSink sink;
  LineEditor editor(sink);
  EXPECT_EQ(type(editor,
                 "ab\x1b[Ac\x1b[1;5D\x07"
                 "d\n"),
            "abcd");
}

TEST(LineEditor, CrLfEndsOneLineOnly) {
  NullSink sink;
  LineEditor editor(sink);
  EXPECT_EQ(type(editor, "x\r\n"), "x");
  EXPECT_EQ(type(editor, "\n"), "");  // a lone LF after a finished line is a new empty line
}

TEST(LineEditor, CtrlUErasesTheWholeLineAndEchoesTheErasure) {
  class Echo final : public Sink {
   public:
    void write(std::string_view text) override { seen += text; }
    std::string seen;
  } echo;
  LineEditor editor(echo);
  EXPECT_EQ(type(editor, "new nenew"), std::nullopt);
  EXPECT_EQ(type(editor, "\x15"), std::nullopt);
  EXPECT_EQ(editor.pending(), "");
  std::string erased;
  for (int i = 0; i < 9; ++i) erased += "\b \b";
  EXPECT_EQ(echo.seen, "new nenew" + erased);
  EXPECT_EQ(type(editor, "\x15ok\n"), "ok");  // on an empty line it does nothing
}

TEST(LineEditor, BackspaceAtStartAndOverlongLines) {
  NullSink sink;
  LineEditor editor(sink);
  EXPECT_EQ(type(editor, "\b\x7fok\r"), "ok");
  std::string line = type(editor, std::string(500, 'z') + "\r").value();
  EXPECT_EQ(line.size(), LineEditor::kMaxLine);
}

}  // namespace
}  // namespace godwit
