// The shell's `migrate` command.
#pragma once

#include "kernel/shell/shell.h"

namespace godwit::shell {

// migrate <guest-id> <ip>[:port] [--downtime-ms N] [--max-rounds N]
void command_migrate(Sink& out, ShellArgs args);

// settle <guest-id> resume|discard: ends the wait of a guest whose migration ended
// unsettled (kernel/migrate/settlement.h).
void command_settle(Sink& out, ShellArgs args);

}  // namespace godwit::shell
