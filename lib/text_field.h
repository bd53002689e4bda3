// Fixed-size character fields (record headers, the guest ABI, names kept without a heap):
// one way to fill them, so that every field ends in a NUL and carries no stale bytes.
#pragma once

#include <cstddef>
#include <string_view>

namespace godwit {

// Copies as much of `text` as fits into `field` with a NUL after it (at most N - 1
// characters) and zeroes the rest of the field. Returns the copy, which may be cut short.
template <size_t N>
std::string_view copy_to_field(char (&field)[N], std::string_view text) {
  static_assert(N > 0, "a field needs room for its NUL");
  size_t length = text.size() < N - 1 ? text.size() : N - 1;
  for (size_t i = 0; i < length; ++i) field[i] = text[i];
  for (size_t i = length; i < N; ++i) field[i] = '\0';
  return {field, length};
}

// Copies `text` as copy_to_field does, but keeps only printable ASCII: every other byte
// (control characters such as ESC or newline, DEL, bytes of 0x80 and up), and a space
// unless `keep_spaces`, becomes '?'. For text a peer supplied that this node prints or
// stores (a migrating guest's name and command line from HEADER): it can then neither
// forge a console line or an @event nor send escape sequences to a terminal.
template <size_t N>
std::string_view copy_printable_to_field(char (&field)[N], std::string_view text, bool keep_spaces) {
  std::string_view copy = copy_to_field(field, text);
  for (size_t i = 0; i < copy.size(); ++i) {
    auto byte = static_cast<unsigned char>(field[i]);
    bool printable = byte > 0x20 && byte < 0x7f;
    if (!printable && !(keep_spaces && byte == 0x20)) field[i] = '?';
  }
  return copy;
}

}  // namespace godwit
