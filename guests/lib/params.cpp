#include "guests/lib/params.h"

#include "guests/lib/args.h"
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"
#include "lib/parse.h"

namespace godwit::guest {

namespace {

// The value of `key` parsed by `parse` (lib/parse.h), `fallback` when absent; a value
// that does not parse or lies outside [min, max] ends the guest with kExitBadParameter.
uint64_t param(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max,
               Expected<uint64_t> (*parse)(std::string_view)) {
  std::string_view text;
  if (!find_arg(command_line(), key, text)) return fallback;
  auto value = parse(text);
  if (!value || *value < min || *value > max) {
    println("guest: bad parameter {}={} (allowed {}..{})", key, text, min, max);
    exit(kExitBadParameter);
  }
  return *value;
}

}  // namespace

std::string_view command_line() {
  const char* text = boot_info().command_line;
  size_t length = 0;
  while (length < abi::kMaxCommandLine && text[length] != '\0') ++length;
  return {text, length};
}

std::string_view param_text(std::string_view key, std::string_view fallback) {
  std::string_view text;
  return find_arg(command_line(), key, text) ? text : fallback;
}

uint64_t param_u64(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) {
  return param(key, fallback, min, max, parse_u64);
}

uint64_t param_size(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) {
  return param(key, fallback, min, max, parse_size);
}

}  // namespace godwit::guest
