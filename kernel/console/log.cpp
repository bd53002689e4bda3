#include "kernel/console/log.h"

#include "kernel/console/console.h"
#include "kernel/time/clock.h"

namespace godwit::log {

void write_line(Level level, std::string_view fmt, const FormatArg* args, size_t count) {
  // Built whole, then written once, so a line is never split by other output.
  FixedString<512> text;
  uint64_t us = clock::now_ns() / 1000;
  format(text, "[{:5}.{:06}] ", us / 1'000'000, us % 1'000'000);
  if (level == Level::kWarn) format(text, "warning: ");
  if (level == Level::kError) format(text, "error: ");
  vformat(text.sink(), fmt, args, count);
  format(text, "\n");
  console::line_sink().write(text.view());
}

}  // namespace godwit::log
