// Dirty tracking by write protection, on either table format: arming makes pages
// read-only in the second-level tables, so the guest's first write to each faults
// (one VM exit per page per round); claiming the fault makes that page writable again.
// The only mechanism on AMD-V, and VT-x's where the CPU lacks PML or the node is told
// to use it (dirty_tracking=write-protect).
// Pure code over SecondLevelSpace; stateless, so one instance serves every guest.
#pragma once

#include "arch/x86/paging/dirty_mechanism.h"

namespace godwit::x86 {

class WriteProtection final : public DirtyMechanism {
 public:
  const char* name() const override { return "write-protect"; }
  Status arm(SecondLevelSpace& space, uint64_t ram_bytes) override;
  void disarm(SecondLevelSpace& space, uint64_t ram_bytes) override;
  bool claim_fault(SecondLevelSpace& space, uint64_t page) override;
  size_t drain(std::span<uint64_t>) override { return 0; }  // every write it notices faults
  Status rearm(SecondLevelSpace& space, std::span<const uint64_t> gfns) override;
};

// The shared instance.
WriteProtection& write_protection();

}  // namespace godwit::x86
