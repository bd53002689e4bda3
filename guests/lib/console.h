// Console output through the kConsoleWrite hypercall, one line per call so that lines
// of different guests never interleave: println("dirtier: ok writes={}", n).
#pragma once

#include <string_view>

#include "guests/lib/line.h"

namespace godwit::guest {

// Writes `text` as it is (in kMaxConsoleWrite pieces); false if the hypervisor refused.
bool write(std::string_view text);

template <class... Args>
void println(std::string_view fmt, const Args&... args) {
  Line line;
  format(line, fmt, args...);
  (void)write(line.terminated());
}

}  // namespace godwit::guest
