#include "kernel/migrate/settlement.h"

#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/vm/guests.h"

namespace godwit::migrate {
namespace {

struct Held {
  uint32_t id = 0;  // 0 = free slot
  vm::VmState before_pause = vm::VmState::kRunnable;
};

// One outgoing migration runs at a time, so a handful of slots is plenty; should they
// all be taken the guest still stays paused and flagged, only `settle` cannot name it.
constinit Held held[16];

Held* find_held(uint32_t id) {
  for (Held& h : held) {
    if (h.id == id && id != 0) return &h;
  }
  return nullptr;
}

}  // namespace

void hold_for_settlement(vm::Vm& vm, vm::VmState before_pause) {
  // The guest is paused for good until settled: the dirty log has nothing left to do.
  vm::stop_dirty_tracking(vm);
  vm.migrating = true;
  Held* slot = nullptr;
  for (Held& h : held) {
    if (h.id == 0) {
      slot = &h;
      break;
    }
  }
  if (slot != nullptr) *slot = Held{vm.id, before_pause};
  log::warn(
      "migrate: guest {} awaits settlement: COMMIT was sent but not confirmed. If the destination "
      "runs it, 'settle {} discard'; if not, 'settle {} resume'",
      vm.id, vm.id, vm.id);
  Event e("migration_unsettled");
  e->field("id", vm.id).field("name", vm.name());
}

bool awaiting_settlement(uint32_t id) { return find_held(id) != nullptr; }

Status settle(uint32_t id, Settlement how) {
  Held* h = find_held(id);
  if (h == nullptr) return fail(Error::kNotFound);
  vm::Vm* vm = vm::find(id);
  uint32_t held_id = h->id;
  vm::VmState before = h->before_pause;
  *h = Held{};
  if (vm == nullptr || !vm->live()) return fail(Error::kNotFound);
  if (how == Settlement::kResume) {
    vm->migrating = false;
    if (vm->state == vm::VmState::kStopped) vm->state = before;
  } else {
    vm::end_guest(*vm, vm::EndReason::kMigrated, 0, "settled: it runs on the destination");
  }
  Event e("migration_settled");
  e->field("id", held_id).field("how", how == Settlement::kResume ? "resume" : "discard");
  return ok();
}

}  // namespace godwit::migrate
