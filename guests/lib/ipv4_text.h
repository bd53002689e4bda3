// "10.0.0.21/24" and "10.0.0.22" from the network guests' command lines. Pure and
// header-only, unit-tested on the host (tests/unit/guests/lib).
#pragma once

#include <cstdint>
#include <string_view>

namespace godwit::guest {

// Four decimal numbers 0-255 separated by dots, nothing else.
inline bool parse_ipv4_text(std::string_view text, uint8_t out[4]) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (text.empty() || text[0] != '.') return false;
      text.remove_prefix(1);
    }
    uint32_t value = 0;
    size_t digits = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9' && digits < 3) {
      value = value * 10 + static_cast<uint32_t>(text[digits] - '0');
      ++digits;
    }
    if (digits == 0 || value > 255) return false;
    out[part] = static_cast<uint8_t>(value);
    text.remove_prefix(digits);
  }
  return text.empty();
}

// An address and a prefix length 1..32: "10.0.0.21/24".
inline bool parse_ipv4_prefix_text(std::string_view text, uint8_t out[4], uint8_t& prefix) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || !parse_ipv4_text(text.substr(0, slash), out)) return false;
  std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 2) return false;
  uint32_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 32) return false;
  prefix = static_cast<uint8_t>(value);
  return true;
}

}  // namespace godwit::guest
