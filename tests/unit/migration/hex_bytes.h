// Hex text <-> bytes for the crypto tests, which quote their vectors as the RFCs print them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace godwit::migration::testing {

inline std::vector<uint8_t> from_hex(std::string_view text) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    bytes.push_back(static_cast<uint8_t>(nibble(text[i]) << 4 | nibble(text[i + 1])));
  return bytes;
}

inline std::string to_hex(const uint8_t* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  for (size_t i = 0; i < size; ++i) {
    text += kDigits[data[i] >> 4];
    text += kDigits[data[i] & 15];
  }
  return text;
}

inline std::string to_hex(const std::vector<uint8_t>& bytes) { return to_hex(bytes.data(), bytes.size()); }

template <class Fixed>
Fixed fixed_from_hex(std::string_view text) {
  Fixed value;
  std::vector<uint8_t> bytes = from_hex(text);
  for (size_t i = 0; i < sizeof(value.bytes) && i < bytes.size(); ++i) value.bytes[i] = bytes[i];
  return value;
}

inline std::vector<uint8_t> text_bytes(std::string_view text) { return {text.begin(), text.end()}; }

}  // namespace godwit::migration::testing
