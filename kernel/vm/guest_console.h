// A guest's console output, assembled into whole lines for the hypervisor console:
// "[g2 counter] counter 41 t=20500". Guest bytes are untrusted: control characters and
// bytes outside printable ASCII become '?', and a line longer than kMaxLine is cut into
// pieces, so a guest cannot forge an "@event" line or garble another guest's output.
// Pure code: finished lines go to a Sink.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "lib/format.h"

namespace godwit::vm {

class GuestConsole {
 public:
  static constexpr size_t kMaxLine = 160;

  // Feeds guest bytes; writes each completed line with `prefix` to `out`.
  void write(Sink& out, std::string_view prefix, std::span<const uint8_t> bytes);
  // Writes a pending partial line (when the guest ends or leaves).
  void flush(Sink& out, std::string_view prefix);
  uint64_t bytes_written() const { return bytes_; }
  // The unfinished line and the byte count, so a migrated guest's console continues
  // mid-line on its new node. restore() keeps at most kMaxLine bytes.
  std::string_view pending() const { return {line_, length_}; }
  void restore(std::string_view pending, uint64_t bytes_written);

 private:
  // Writes the buffered line as "<prefix> <line>\n" in one write, then empties it.
  void emit(Sink& out, std::string_view prefix);

  char line_[kMaxLine] = {};
  size_t length_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace godwit::vm
