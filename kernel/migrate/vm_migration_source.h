// A running guest as the migration sender sees it (migration/migration_ports.h): its
// pages, write-protect dirty tracking through its DirtyTracker, pause, state capture,
// and the three ways a migration ends for it (resumed here, released, or held for
// settlement: kernel/migrate/settlement.h).
// The guest may end while it is being migrated (it exits, or is killed from the
// shell): every method then does nothing harmful, and page() returns nullptr, which
// fails the migration.
#pragma once

#include "kernel/migrate/settlement.h"
#include "kernel/vm/vm.h"
#include "migration/migration_ports.h"

namespace godwit::migrate {

class VmMigrationSource final : public migration::MigrationSource {
 public:
  explicit VmMigrationSource(vm::Vm& vm) : vm_(vm), id_(vm.id) { vm.migrating = true; }
  // A migration that ends without moving the guest gives it back to the shell whatever
  // step it failed at: one that never reached CHALLENGE (connection refused, reset,
  // migrate-self to a dead address) never resumed it (issue 15, finding 8).
  ~VmMigrationSource() { let_go(); }
  VmMigrationSource(const VmMigrationSource&) = delete;
  VmMigrationSource& operator=(const VmMigrationSource&) = delete;

  uint64_t page_count() const override { return pages_; }
  const uint8_t* page(uint64_t gfn) override;
  Status begin_dirty_tracking() override;
  uint64_t collect_dirty(PageBitmap& into) override;
  void pause() override;
  void capture(x86::VcpuState& vcpu, migration::DeviceState& device) override;
  bool has_nic() const override;
  void capture_nic(migration::NetDeviceRecord& nic) override;
  void resume_after_failure() override;
  void release() override;
  void hold_for_settlement() override;

  // The migration is over and the guest stays here: `kill`, `stop`, `start` and a new
  // `migrate` may act on it again. Does nothing once the guest has ended (released), and
  // nothing to a guest held for settlement: only `settle` lets that one go.
  void let_go() {
    if (alive() && !awaiting_settlement(vm_.id)) vm_.migrating = false;
  }

  // False once the guest ended on its own (or was killed) during the migration.
  bool alive() const { return vm_.live() && vm_.id == id_; }
  uint32_t id() const { return id_; }

 private:
  vm::Vm& vm_;
  uint32_t id_;
  uint64_t pages_ = vm_.memory.page_count();
  bool paused_ = false;
  vm::VmState state_before_pause_ = vm::VmState::kRunnable;
};

}  // namespace godwit::migrate
