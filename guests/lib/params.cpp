#include "guests/lib/params.h"

#include "guests/lib/args.h"
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

namespace godwit::guest {

namespace {

template <class Parse>
uint64_t param(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max, Parse parse) {
  std::string_view text;
  if (!find_arg(command_line(), key, text)) return fallback;
  uint64_t value = 0;
  if (!parse(text, value) || value < min || value > max) {
    println("guest: bad parameter {}={} (allowed {}..{})", key, text, min, max);
    exit(kExitBadParameter);
  }
  return value;
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
  return param(key, fallback, min, max, [](std::string_view t, uint64_t& v) { return parse_u64(t, v); });
}

uint64_t param_size(std::string_view key, uint64_t fallback, uint64_t min, uint64_t max) {
  return param(key, fallback, min, max, [](std::string_view t, uint64_t& v) { return parse_size(t, v); });
}

}  // namespace godwit::guest
