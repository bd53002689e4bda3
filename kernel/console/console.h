// The hypervisor's console: the serial line (COM1). Everything people read and every
// "@event" line tools parse goes through here.
#pragma once

#include <optional>

#include "kernel/console/input_line.h"
#include "lib/format.h"

namespace godwit::console {

// Sets up COM1; returns false if there is no UART (output is then dropped).
bool init();
// The raw serial line: the shell's echo and its commands' output.
Sink& sink();
// For whole lines written from elsewhere (log, events, guest consoles): written above
// the prompt while a command is being typed, which is then redrawn.
Sink& line_sink();
void set_input_line(const InputLine* line);
std::optional<char> read_char();
// Moves bytes from the UART into the input buffer; called on every timer tick.
void poll_input();

}  // namespace godwit::console
