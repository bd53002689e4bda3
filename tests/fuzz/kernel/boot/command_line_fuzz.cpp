// libFuzzer target for the boot command lines (the hypervisor's and each guest
// module's): arbitrary text into CommandLine::parse(), and every value of what it
// accepts through the parsers the boot code applies to values (numbers, sizes, IPv4
// addresses and interfaces, the network settings). Besides memory safety and UB it
// checks what parse() promises: at most kMaxEntries entries, keys non-empty, made of
// [a-z0-9_-] and unique, and get() finding each of them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "kernel/boot/command_line.h"
#include "lib/format.h"
#include "lib/parse.h"
#include "net/ipv4_address.h"
#include "net/net_config.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Expected<CommandLine> line = CommandLine::parse(text);
  if (!line) return 0;
  FUZZ_REQUIRE(text.size() <= CommandLine::kMaxLength);
  FUZZ_REQUIRE(line->size() <= CommandLine::kMaxEntries);
  for (size_t i = 0; i < line->size(); ++i) {
    std::string_view key = line->key_at(i);
    FUZZ_REQUIRE(!key.empty());
    for (char c : key) {
      FUZZ_REQUIRE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-');
    }
    for (size_t j = 0; j < i; ++j) FUZZ_REQUIRE(line->key_at(j) != key);
    std::optional<std::string_view> value = line->get(key);
    FUZZ_REQUIRE(value.has_value());
    (void)parse_u64(*value);
    (void)parse_size(*value);
    (void)net::parse_ipv4(*value);
    (void)net::parse_ipv4_interface(*value);
  }
  FixedString<256> why;
  (void)net::parse_net_config(*line, why.sink());
  return 0;
}
