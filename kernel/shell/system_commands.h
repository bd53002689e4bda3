// Shell commands about the machine itself.
#pragma once

#include "kernel/shell/shell.h"

namespace godwit::shell {

void command_info(Sink& out, ShellArgs args);
void command_mem(Sink& out, ShellArgs args);
void command_halt(Sink& out, ShellArgs args);
// kernel/shell/cryptobench_command.cpp: the CPU cost of protecting migration records.
void command_cryptobench(Sink& out, ShellArgs args);

}  // namespace godwit::shell
