// The shell's `migrate` command.
#pragma once

#include "kernel/shell/shell.h"

namespace godwit::shell {

// migrate <guest-id> <ip>[:port] [--downtime-ms N] [--max-rounds N]
void command_migrate(Sink& out, ShellArgs args);

}  // namespace godwit::shell
