#include "kernel/shell/shell.h"

#include "lib/parse.h"

namespace godwit {

const ShellCommand* Shell::find(std::string_view name) const {
  for (const ShellCommand& command : commands_) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

void Shell::help(ShellArgs args) {
  if (args.size() == 2) {
    const ShellCommand* command = find(args[1]);
    if (command == nullptr) {
      format(out_, "help: no command '{}'\n", args[1]);
    } else {
      format(out_, "usage: {}\n  {}\n", command->usage, command->summary);
    }
    return;
  }
  format(out_, "{:<28} {}\n", "help [command]", "list commands, or explain one");
  for (const ShellCommand& command : commands_) {
    format(out_, "{:<28} {}\n", command.usage, command.summary);
  }
}

void Shell::feed(char c) {
  if (auto line = editor_.feed(c)) {
    editing_ = false;
    execute(*line);
    prompt();
  }
}

void Shell::execute(std::string_view line) {
  std::string_view words[kMaxWords];
  size_t count = 0;
  for (std::string_view word = next_word(line); !word.empty(); word = next_word(line)) {
    if (count == kMaxWords) {
      format(out_, "error: too many words (at most {})\n", kMaxWords);
      return;
    }
    words[count++] = word;
  }
  if (count == 0) return;
  ShellArgs args(words, count);
  if (args[0] == "help") {
    if (count > 2) {
      format(out_, "usage: help [command]\n");
      return;
    }
    help(args);
    return;
  }
  const ShellCommand* command = find(args[0]);
  if (command == nullptr) {
    format(out_, "error: unknown command '{}' (type 'help' for the list)\n", args[0]);
    return;
  }
  if (count - 1 < command->min_args || count - 1 > command->max_args) {
    format(out_, "usage: {}\n", command->usage);
    return;
  }
  command->run(out_, args);
}

}  // namespace godwit
