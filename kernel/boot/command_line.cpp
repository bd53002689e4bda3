#include "kernel/boot/command_line.h"

#include "lib/parse.h"

namespace godwit {

namespace {

bool valid_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

Expected<CommandLine> CommandLine::parse(std::string_view text) {
  if (text.size() > kMaxLength) return fail(Error::kRange);
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      return fail(Error::kMalformed);
    }
  }
  CommandLine line;
  for (std::string_view word = next_word(text); !word.empty(); word = next_word(text)) {
    if (line.count_ == kMaxEntries) return fail(Error::kRange);
    size_t eq = word.find('=');
    Entry entry{word.substr(0, eq), eq == std::string_view::npos ? "" : word.substr(eq + 1)};
    if (entry.key.empty()) return fail(Error::kMalformed);
    for (char c : entry.key) {
      if (!valid_key_char(c)) return fail(Error::kMalformed);
    }
    if (line.has(entry.key)) return fail(Error::kExists);
    line.entries_[line.count_++] = entry;
  }
  return line;
}

std::optional<std::string_view> CommandLine::get(std::string_view key) const {
  for (size_t i = 0; i < count_; ++i) {
    if (entries_[i].key == key) return entries_[i].value;
  }
  return std::nullopt;
}

}  // namespace godwit
