#include "kernel/vm/guest_console.h"

namespace godwit::vm {

void GuestConsole::emit(Sink& out, std::string_view prefix) {
  // One write per line: console lines never interleave (docs/architecture.md).
  FixedString<kMaxLine + 40> text;
  format(text, "{} {}\n", prefix, std::string_view(line_, length_));
  out.write(text.view());
  length_ = 0;
}

void GuestConsole::write(Sink& out, std::string_view prefix, std::span<const uint8_t> bytes) {
  for (uint8_t byte : bytes) {
    ++bytes_;
    if (byte == '\n') {
      emit(out, prefix);
      continue;
    }
    if (byte == '\r') continue;
    line_[length_++] = (byte >= 0x20 && byte < 0x7F) || byte == '\t' ? static_cast<char>(byte) : '?';
    if (length_ == kMaxLine) emit(out, prefix);
  }
}

void GuestConsole::restore(std::string_view pending, uint64_t bytes_written) {
  length_ = pending.size() < kMaxLine ? pending.size() : kMaxLine - 1;
  for (size_t i = 0; i < length_; ++i) {
    char c = pending[i];
    line_[i] = (c >= 0x20 && c < 0x7F) || c == '\t' ? c : '?';  // untrusted: from the stream
  }
  bytes_ = bytes_written;
}

void GuestConsole::flush(Sink& out, std::string_view prefix) {
  if (length_ > 0) emit(out, prefix);
}

}  // namespace godwit::vm
