// libFuzzer target for the parsers of numbers and sizes people type (shell, command
// line): arbitrary text into parse_u64(), parse_size() and next_word(). Besides memory
// safety and UB it checks them against their contracts: a number is accepted only when
// printing it back gives the text (decimal, or 0x and hex digits), a size is a number
// times its suffix without overflow, and next_word() splits off exactly the words.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "lib/parse.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  if (Expected<uint64_t> number = parse_u64(text)) {
    bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    std::string digits(hex ? text.substr(2) : text);
    while (digits.size() > 1 && digits[0] == '0') digits.erase(0, 1);
    for (char& c : digits) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
    char printed[32];
    std::snprintf(printed, sizeof printed, hex ? "%llx" : "%llu", static_cast<unsigned long long>(*number));
    FUZZ_REQUIRE(digits == printed);
  }
  if (Expected<uint64_t> bytes = parse_size(text)) {
    char last = text.empty() ? 0 : static_cast<char>(text.back() | 0x20);  // K and k alike
    uint64_t unit = last == 'k' ? 1ull << 10 : last == 'm' ? 1ull << 20 : last == 'g' ? 1ull << 30 : 1;
    Expected<uint64_t> number = parse_u64(unit == 1 ? text : text.substr(0, text.size() - 1));
    FUZZ_REQUIRE(number && *bytes / unit == *number && *bytes % unit == 0);
  }
  std::string_view rest = text;
  size_t taken = 0;
  for (std::string_view word = next_word(rest); !word.empty(); word = next_word(rest)) {
    FUZZ_REQUIRE(word.data() >= text.data() && word.data() + word.size() <= text.data() + text.size());
    for (char c : word) FUZZ_REQUIRE(!space(c));
    FUZZ_REQUIRE(++taken <= size);
  }
  return 0;
}
