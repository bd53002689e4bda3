// Turns the bytes a person types on the serial line into complete command lines:
// printable characters are echoed and kept, backspace/delete erase one, Ctrl-U erases
// the line, Enter ends the line,
// escape sequences (arrow keys) and other control bytes are ignored.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "lib/format.h"

namespace godwit {

class LineEditor {
 public:
  static constexpr size_t kMaxLine = 160;

  explicit LineEditor(Sink& echo) : echo_(echo) {}

  // Feeds one byte; returns the finished line on Enter (valid until the next feed).
  std::optional<std::string_view> feed(char c);
  // What has been typed of the current line so far.
  std::string_view pending() const { return {line_, length_}; }

 private:
  Sink& echo_;
  char line_[kMaxLine] = {};
  size_t length_ = 0;
  size_t finished_ = 0;
  enum class Escape { kNone, kStart, kSequence } escape_ = Escape::kNone;
  bool last_was_cr_ = false;
};

}  // namespace godwit
