#pragma once

#include <span>

#include "kernel/shell/shell.h"

namespace godwit {

// Every shell command of the hypervisor, in the order `help` lists them.
std::span<const ShellCommand> shell_commands();

}  // namespace godwit
