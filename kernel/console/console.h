// The hypervisor's console: the serial line (COM1). Everything people read and every
// "@event" line tools parse goes through here.
#pragma once

#include <optional>

#include "kernel/lib/format.h"

namespace godwit::console {

// Sets up COM1; returns false if there is no UART (output is then dropped).
bool init();
Sink& sink();
std::optional<char> read_char();

}  // namespace godwit::console
