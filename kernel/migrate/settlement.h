// Guests whose outgoing migration ended without a known outcome (MigrationOutcome::
// kUnsettled: COMMIT went out, no COMMITTED or sealed NACK came back). The destination
// may be running the guest, or may have discarded it; this node cannot tell. So the
// guest stays here paused, with all its memory, flagged as migrating (kill, stop and
// start refuse it), until an operator who has looked at the destination settles it
// (docs/migration-stream.md, section 8; decision 0017):
//   resume  - the destination does not run it: it runs here again, as if never migrated;
//   discard - the destination runs it: it ends here as migrated.
#pragma once

#include <cstdint>

#include "kernel/vm/vm.h"
#include "lib/expected.h"

namespace godwit::migrate {

// Takes `vm` (paused by its migration, which ended unsettled) into the table, with the
// state it had before the pause, and writes the migration_unsettled @event.
void hold_for_settlement(vm::Vm& vm, vm::VmState before_pause);

// Whether guest `id` waits for settlement.
bool awaiting_settlement(uint32_t id);

enum class Settlement : uint8_t { kResume, kDiscard };

// Settles guest `id` and writes the migration_settled @event. kNotFound when it does not
// wait for settlement.
Status settle(uint32_t id, Settlement how);

}  // namespace godwit::migrate
