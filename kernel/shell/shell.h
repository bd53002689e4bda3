// The serial shell people type into. It owns no commands: each subsystem contributes a
// table of ShellCommand (kernel/command_table.cpp lists them), and the shell
// splits lines into words, finds the command, and reports misuse in one clear line.
// Pure code: output goes to a Sink, so the unit tests drive it with strings.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "kernel/console/input_line.h"
#include "kernel/shell/line_editor.h"
#include "lib/format.h"

namespace godwit {

// args[0] is the command name itself.
using ShellArgs = std::span<const std::string_view>;

struct ShellCommand {
  std::string_view name;
  std::string_view usage;    // e.g. "halt [status]"
  std::string_view summary;  // one line for `help`
  size_t min_args;           // not counting the name
  size_t max_args;
  void (*run)(Sink& out, ShellArgs args);
};

class Shell final : public InputLine {
 public:
  static constexpr size_t kMaxWords = 18;  // `migrate` with every option is 17
  static constexpr std::string_view kPrompt = "godwit> ";

  Shell(Sink& out, std::span<const ShellCommand> commands) : out_(out), commands_(commands), editor_(out) {}

  void prompt() {
    out_.write(kPrompt);
    editing_ = true;
  }
  bool editing() const override { return editing_; }
  void redraw(Sink& out) const override {
    out.write(kPrompt);
    out.write(editor_.pending());
  }
  // One byte from the console; runs a command when a line is complete.
  void feed(char c);
  // Runs one line as if typed.
  void execute(std::string_view line);

 private:
  const ShellCommand* find(std::string_view name) const;
  void help(ShellArgs args);

  Sink& out_;
  std::span<const ShellCommand> commands_;
  LineEditor editor_;
  bool editing_ = false;
};

}  // namespace godwit
