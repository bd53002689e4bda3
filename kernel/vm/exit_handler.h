// What the hypervisor does with each normalized exit (arch/x86/backend/vm_exit.h).
// Backend-blind: the same code runs guests on VT-x and AMD-V.
#pragma once

#include "kernel/vm/vm.h"

namespace godwit::vm {

// Handles `exit` for `vm`. Returns true when the guest may go on running in its time
// slice, false when it gave up the CPU (yielded, blocked, stopped or ended).
bool handle_exit(Vm& vm, const x86::VmExit& exit);

}  // namespace godwit::vm
