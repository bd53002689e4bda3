// Parsing of numbers and sizes typed by people (shell, boot command line).
// Every function checks the whole text: "12x" is an error, not 12.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/expected.h"

namespace godwit {

// Decimal, or hexadecimal with a 0x prefix. Rejects empty text, other characters, overflow.
Expected<uint64_t> parse_u64(std::string_view text);

// A byte count with an optional K, M or G suffix (powers of 1024): "16M" -> 16777216.
Expected<uint64_t> parse_size(std::string_view text);

// A duration in milliseconds: "250ms", "2s", or a bare number of seconds ("2" -> 2000).
Expected<uint64_t> parse_duration_ms(std::string_view text);

// Splits off the next whitespace-separated word; returns an empty view at the end.
std::string_view next_word(std::string_view& text);

}  // namespace godwit
