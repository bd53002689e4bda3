// The guest command line: space-separated key=value words, e.g. "wss=4M rate=200".
// Pure and header-only (the unit tests use it too); every parser checks the whole
// text, so "12x" or "4Q" is an error rather than 12 or 4.
#pragma once

#include <cstdint>
#include <string_view>

namespace godwit::guest {

// The value of the first word "key=value" in `line`; false when there is none.
inline bool find_arg(std::string_view line, std::string_view key, std::string_view& value) {
  while (!line.empty()) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) return false;
    line.remove_prefix(start);
    size_t end = line.find(' ');
    std::string_view word = line.substr(0, end);
    line.remove_prefix(word.size());
    if (word.size() > key.size() && word.substr(0, key.size()) == key && word[key.size()] == '=') {
      value = word.substr(key.size() + 1);
      return true;
    }
  }
  return false;
}

// Decimal, or hexadecimal with 0x; false on empty text, other characters or overflow.
inline bool parse_u64(std::string_view text, uint64_t& out) {
  uint64_t base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    uint64_t digit;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint64_t>(c - '0');
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = static_cast<uint64_t>(c - 'a') + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = static_cast<uint64_t>(c - 'A') + 10;
    } else {
      return false;
    }
    if (value > (UINT64_MAX - digit) / base) return false;
    value = value * base + digit;
  }
  out = value;
  return true;
}

// A byte count with an optional K, M or G suffix (powers of 1024): "4M" -> 4194304.
inline bool parse_size(std::string_view text, uint64_t& out) {
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
  }
  if (shift != 0) text.remove_suffix(1);
  uint64_t value;
  if (!parse_u64(text, value) || value > (UINT64_MAX >> shift)) return false;
  out = value << shift;
  return true;
}

}  // namespace godwit::guest
