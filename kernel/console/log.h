// Log lines for people: "[   12.345] message", with the level shown when it is not info.
//   log::info("guest {} started with {} MiB", id, mib);
#pragma once

#include <string_view>

#include "lib/format.h"

namespace godwit::log {

enum class Level { kInfo, kWarn, kError };

void write_line(Level level, std::string_view fmt, const FormatArg* args, size_t count);

template <class... Args>
void line(Level level, std::string_view fmt, const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    write_line(level, fmt, nullptr, 0);
  } else {
    const FormatArg list[] = {make_format_arg(args)...};
    write_line(level, fmt, list, sizeof...(Args));
  }
}

template <class... Args>
void info(std::string_view fmt, const Args&... args) {
  line(Level::kInfo, fmt, args...);
}
template <class... Args>
void warn(std::string_view fmt, const Args&... args) {
  line(Level::kWarn, fmt, args...);
}
template <class... Args>
void error(std::string_view fmt, const Args&... args) {
  line(Level::kError, fmt, args...);
}

}  // namespace godwit::log
