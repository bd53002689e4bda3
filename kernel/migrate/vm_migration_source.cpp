#include "kernel/migrate/vm_migration_source.h"

#include <cstring>

#include "kernel/migrate/settlement.h"
#include "kernel/time/clock.h"
#include "kernel/vm/devices/virtio_net_state.h"
#include "kernel/vm/guest_nic.h"
#include "kernel/vm/guests.h"

namespace godwit::migrate {

const uint8_t* VmMigrationSource::page(uint64_t gfn) { return alive() ? vm_.memory.page(gfn) : nullptr; }

Status VmMigrationSource::begin_dirty_tracking() {
  if (!alive()) return fail(Error::kState);
  return vm::start_dirty_tracking(vm_);
}

uint64_t VmMigrationSource::collect_dirty(PageBitmap& into) {
  if (!alive()) return 0;
  auto moved = vm_.dirty.collect(into);
  return moved ? *moved : 0;
}

void VmMigrationSource::pause() {
  if (!alive() || paused_) return;
  state_before_pause_ = vm_.state;
  vm_.state = vm::VmState::kStopped;
  paused_ = true;
}

void VmMigrationSource::capture(x86::VcpuState& vcpu, migration::DeviceState& device) {
  if (!alive()) return;
  uint64_t now = clock::now_ns();
  vm_.vcpu->save(vcpu);
  vcpu.guest_time_ns = vm_.guest_time_ns(now);
  device = {};
  device.guest_time_ns = vcpu.guest_time_ns;
  // A guest blocked in kBlockUntil (or HLT) keeps waiting on the destination, until
  // the same guest time.
  if (state_before_pause_ == vm::VmState::kBlocked) {
    uint64_t wake = vm_.wake_at_ns > now ? vm_.wake_at_ns : now;
    device.timer_deadline_ns = vm_.guest_time_ns(wake);
  }
  device.console_bytes = vm_.console.bytes_written();
  std::string_view pending = vm_.console.pending();
  size_t n = pending.size() < migration::kMaxConsolePending ? pending.size() : migration::kMaxConsolePending;
  std::memcpy(device.console_pending, pending.data(), n);
  device.console_pending_length = static_cast<uint32_t>(n);
}

bool VmMigrationSource::has_nic() const { return alive() && vm_.nic != nullptr; }

void VmMigrationSource::capture_nic(migration::NetDeviceRecord& nic) {
  nic = {};
  if (!has_nic()) return;
  std::memcpy(nic.mac, vm_.nic->device().mac().bytes, sizeof nic.mac);
  const net::Ipv4Interface& address = vm_.nic->address();
  std::memcpy(nic.ipv4, address.address.bytes, sizeof nic.ipv4);
  nic.prefix = address.prefix;
  nic.state_size = migration::kNetDeviceStateBytes;
  // The sizes are equal (static_assert in vm_destination.cpp), so this cannot fail.
  (void)devices::encode_virtio_net_state(vm_.nic->device().save(), nic.state);
}

void VmMigrationSource::resume_after_failure() {
  if (!alive()) return;
  vm_.migrating = false;
  vm::stop_dirty_tracking(vm_);
  if (paused_ && vm_.state == vm::VmState::kStopped) vm_.state = state_before_pause_;
  paused_ = false;
}

void VmMigrationSource::hold_for_settlement() {
  if (!alive()) return;
  migrate::hold_for_settlement(vm_, paused_ ? state_before_pause_ : vm_.state);
}

void VmMigrationSource::release() {
  if (!alive()) return;
  vm::end_guest(vm_, vm::EndReason::kMigrated, 0, "it now runs on the destination");
}

}  // namespace godwit::migrate
