// The guest an incoming migration builds (migration/migration_ports.h): an empty guest
// from the VM layer (zeroed RAM, mapped, a vCPU, stopped) that pages are copied into,
// then the vCPU and device state, then it runs. Only one is built at a time.
// Post-copy: it runs before all of its pages are here (absent ones unmapped); it is the
// guest's AbsentPages, passing each fault on to the receiver (a PAGE_REQUEST), mapping
// pages as they come and timing how long the guest waited for them.
#pragma once

#include <span>

#include "kernel/vm/absent_pages.h"
#include "kernel/vm/vm.h"
#include "lib/page_bitmap.h"
#include "migration/migration_ports.h"
#include "migration/migration_receiver.h"
#include "migration/postcopy_stats.h"

namespace godwit::migrate {

class VmDestination final : public migration::DestinationGuest,
                            public migration::DestinationGuestFactory,
                            public vm::AbsentPages {
 public:
  // `holds_data_bits`: PageBitmap::words_for(pages of the largest guest this node
  // accepts) words, the service's buffer (one incoming migration at a time).
  explicit VmDestination(std::span<uint64_t> holds_data_bits)
      : holds_data_bits_(holds_data_bits), holds_data_(holds_data_bits, 0) {}
  // The receiver that fetches absent pages (post-copy).
  void set_receiver(migration::MigrationReceiver& receiver) { receiver_ = &receiver; }

  Expected<migration::DestinationGuest*> create(const migration::HeaderRecord& header) override;
  Status set_cpuid(const x86::GuestCpuid& cpuid, uint64_t& detail) override;
  Expected<uint8_t*> page_to_write(uint64_t gfn) override;
  Status write_zero_pages(uint64_t first, uint64_t count) override;
  const uint8_t* page(uint64_t gfn) override;
  Status load_state(const x86::VcpuState& vcpu, const migration::DeviceState& device) override;
  Status load_nic(const migration::NetDeviceRecord& nic) override;
  void start() override;
  void discard() override;
  Status enter_postcopy(const PageBitmap& present) override;
  Status map_page(uint64_t gfn) override;
  void finish_postcopy() override;
  void strand() override;
  Status rejoin() override;
  // vm::AbsentPages
  bool fetch(uint64_t gfn) override;
  bool present(uint64_t gfn) const override;

  const migration::FaultWaitStats& fault_waits() const { return fault_waits_; }

  // The guest once it runs (valid until it ends), or nullptr.
  vm::Vm* guest() const { return vm_; }
  // Lets go of a stranded guest whose recovery was given up: it stays paused, and `kill`
  // may free it.
  void abandon();
  // Lets go of the guest once it runs here on its own (the next migration may come).
  void forget() { vm_ = nullptr; }

 private:
  bool live() const { return vm_ != nullptr && vm_->live(); }
  Status rewrite_boot_info();

  vm::Vm* vm_ = nullptr;
  migration::DeviceState device_ = {};
  std::span<uint64_t> holds_data_bits_;
  PageBitmap holds_data_;  // pages written with data since the guest was created
  migration::MigrationReceiver* receiver_ = nullptr;
  const PageBitmap* present_ = nullptr;  // the receiver's presence map (post-copy)
  migration::FaultWaitStats fault_waits_;
  bool boot_info_pending_ = false;
  // strand() keeps these for rejoin(): the presence map and how the guest stood.
  const PageBitmap* stranded_present_ = nullptr;
  vm::VmState state_before_strand_ =
      vm::VmState::kStopped;  // post-copy: rewrite the boot information when it arrives
};

}  // namespace godwit::migrate
