// The second half of a hypercall: carry out a request that decode_hypercall() accepted.
#pragma once

#include <cstdint>

#include "godwit/abi.h"
#include "kernel/vm/vm.h"

namespace godwit::vm {

// Handles the hypercall the guest's registers describe; writes the result to RAX and
// advances RIP, or changes the guest's state (blocked, ended). Returns false when the
// guest should give up the CPU now (it yielded, blocked or ended).
bool handle_hypercall(Vm& vm, const x86::VmExit& exit);

// Self-migration (abi::Hypercall::kMigrateSelf): the migration layer installs this.
// Returns the status the guest sees (kOk when the migration started).
using SelfMigrationHandler = abi::Status (*)(Vm& vm, uint32_t ipv4, uint16_t port, abi::MigrateMode mode);
// Until one is set, kMigrateSelf answers as unsupported.
void set_self_migration_handler(SelfMigrationHandler handler);

}  // namespace godwit::vm
