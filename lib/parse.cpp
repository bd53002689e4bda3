#include "lib/parse.h"

#include <limits>

namespace godwit {

namespace {

int digit_value(char c, unsigned base) {
  int v = -1;
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  return v >= 0 && static_cast<unsigned>(v) < base ? v : -1;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Expected<uint64_t> parse_u64(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return fail(Error::kMalformed);
  uint64_t value = 0;
  for (char c : text) {
    int d = digit_value(c, base);
    if (d < 0) return fail(Error::kMalformed);
    if (value > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / base) {
      return fail(Error::kRange);
    }
    value = value * base + static_cast<uint64_t>(d);
  }
  return value;
}

Expected<uint64_t> parse_size(std::string_view text) {
  unsigned shift = 0;
  if (!text.empty()) {
    switch (text.back()) {
      case 'K':
      case 'k': shift = 10; break;
      case 'M':
      case 'm': shift = 20; break;
      case 'G':
      case 'g': shift = 30; break;
      default: break;
    }
    if (shift != 0) text.remove_suffix(1);
  }
  auto number = parse_u64(text);
  if (!number) return number;
  if (*number > (std::numeric_limits<uint64_t>::max() >> shift)) return fail(Error::kRange);
  return *number << shift;
}

Expected<uint64_t> parse_duration_ms(std::string_view text) {
  uint64_t scale = 1000;
  if (text.ends_with("ms")) {
    scale = 1;
    text.remove_suffix(2);
  } else if (text.ends_with("s")) {
    text.remove_suffix(1);
  }
  auto number = parse_u64(text);
  if (!number) return number;
  if (*number > std::numeric_limits<uint64_t>::max() / scale) return fail(Error::kRange);
  return *number * scale;
}

std::string_view next_word(std::string_view& text) {
  size_t start = 0;
  while (start < text.size() && is_space(text[start])) ++start;
  size_t end = start;
  while (end < text.size() && !is_space(text[end])) ++end;
  std::string_view word = text.substr(start, end - start);
  text.remove_prefix(end);
  return word;
}

}  // namespace godwit
