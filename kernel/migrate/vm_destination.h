// The guest an incoming migration builds (migration/migration_ports.h): an empty guest
// from the VM layer (zeroed RAM, mapped, a vCPU, stopped) that pages are copied into,
// then the vCPU and device state, then it runs. Only one is built at a time.
#pragma once

#include <span>

#include "kernel/vm/vm.h"
#include "lib/page_bitmap.h"
#include "migration/migration_ports.h"

namespace godwit::migrate {

class VmDestination final : public migration::DestinationGuest, public migration::DestinationGuestFactory {
 public:
  // `holds_data_bits`: PageBitmap::words_for(pages of the largest guest this node
  // accepts) words, the service's buffer (one incoming migration at a time).
  explicit VmDestination(std::span<uint64_t> holds_data_bits)
      : holds_data_bits_(holds_data_bits), holds_data_(holds_data_bits, 0) {}

  Expected<migration::DestinationGuest*> create(const migration::HeaderRecord& header) override;
  Status set_cpuid(const x86::GuestCpuid& cpuid, uint64_t& detail) override;
  Expected<uint8_t*> page_to_write(uint64_t gfn) override;
  Status write_zero_pages(uint64_t first, uint64_t count) override;
  const uint8_t* page(uint64_t gfn) override;
  Status load_state(const x86::VcpuState& vcpu, const migration::DeviceState& device) override;
  Status load_nic(const migration::NetDeviceRecord& nic) override;
  void start() override;
  void discard() override;

  // The guest once it runs (valid until it ends), or nullptr.
  vm::Vm* guest() const { return vm_; }
  // Lets go of the guest once it runs here on its own (the next migration may come).
  void forget() { vm_ = nullptr; }

 private:
  vm::Vm* vm_ = nullptr;
  migration::DeviceState device_ = {};
  std::span<uint64_t> holds_data_bits_;
  PageBitmap holds_data_;  // pages written with data since the guest was created
};

}  // namespace godwit::migrate
