#include "kernel/shell/line_editor.h"

namespace godwit {

std::optional<std::string_view> LineEditor::feed(char c) {
  // ESC [ ... final-byte: swallow the whole sequence.
  if (escape_ == Escape::kStart) {
    escape_ = c == '[' ? Escape::kSequence : Escape::kNone;
    return std::nullopt;
  }
  if (escape_ == Escape::kSequence) {
    if (c >= 0x40 && c <= 0x7e) escape_ = Escape::kNone;
    return std::nullopt;
  }
  bool after_cr = last_was_cr_;
  last_was_cr_ = c == '\r';
  switch (c) {
    case 0x1b: escape_ = Escape::kStart; return std::nullopt;
    case '\n':
      if (after_cr) return std::nullopt;  // CR LF counts once
      [[fallthrough]];
    case '\r':
      echo_.write("\r\n");
      finished_ = length_;
      length_ = 0;
      return std::string_view(line_, finished_);
    case 0x08:
    case 0x7f:
      if (length_ > 0) {
        --length_;
        echo_.write("\b \b");
      }
      return std::nullopt;
    case 0x15:  // Ctrl-U: erase the whole line (one byte, so a tool's retry cannot half-erase it)
      for (; length_ > 0; --length_) echo_.write("\b \b");
      return std::nullopt;
    default: break;
  }
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
  if (length_ == kMaxLine) return std::nullopt;  // full: further input is dropped
  line_[length_++] = c;
  echo_.write({&c, 1});
  return std::nullopt;
}

}  // namespace godwit
