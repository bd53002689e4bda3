// Shell commands about guests: list, create, stop/start, kill, measure dirtying.
#pragma once

#include "kernel/shell/shell.h"

namespace godwit::shell {

void command_guests(Sink& out, ShellArgs args);
void command_new(Sink& out, ShellArgs args);
void command_start(Sink& out, ShellArgs args);
void command_stop(Sink& out, ShellArgs args);
void command_kill(Sink& out, ShellArgs args);
void command_dirtylog(Sink& out, ShellArgs args);
void command_dirtyrate(Sink& out, ShellArgs args);
void command_tracking(Sink& out, ShellArgs args);

}  // namespace godwit::shell
