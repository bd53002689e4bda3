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

}  // namespace godwit
