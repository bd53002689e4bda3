// Dirty tracking by Intel page-modification logging (SDM Vol. 3C 29.3.6, "Page-
// Modification Logging"), one log per vCPU. With "enable PML" set and EPT accessed/
// dirty flags enabled (EPTP bit 6, 29.3.5), whenever the CPU sets the dirty flag of an
// EPT leaf (0 -> 1) it writes that page's guest-physical address into the 4 KiB log at
// the PML index and decrements the index; the log has 512 entries and fills from 511
// down. When the index is out of 0-511 (after it wrapped from 0 to 0xFFFF) the next such
// write causes a "page-modification log-full" VM exit (reason 62) instead: the write does
// not happen and no flag is set, so after drain() the guest simply retries it.
// Hence the mechanism: arm = clear every dirty flag (INVEPT), empty the log, turn
// logging on; drain = read the entries above the index and move the index up past
// them; rearm = clear the flags of pages handed out (INVEPT). Pages stay writable: no
// exit per page, one exit per 512 newly dirtied pages at most.
// With EPT A/D flags on, the CPU's own accesses to the guest's page tables count as
// writes (29.3.5), so those pages are logged as well (decision 0022).
// Pure code: the VMCS fields come through PmlFields, so the unit tests run it over an
// array and a fake EPT.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/dirty_mechanism.h"

namespace godwit::x86::vmx {

// The VMCS side of one vCPU's log: the PML index (16-bit guest-state field 0x0812) and
// the switch that turns logging on (the "enable PML" secondary control and EPTP bit 6).
class PmlFields {
 public:
  virtual uint16_t index() = 0;
  virtual void set_index(uint16_t index) = 0;
  virtual void set_logging(bool on) = 0;

 protected:
  ~PmlFields() = default;
};

class PageModificationLog final : public DirtyMechanism {
 public:
  static constexpr uint16_t kEntries = 512;
  static constexpr uint16_t kEmpty = kEntries - 1;  // the index of an empty log

  // `entries` is the 4 KiB log page the VMCS's PML address points to.
  PageModificationLog(PmlFields& fields, const uint64_t* entries) : fields_(fields), entries_(entries) {}

  const char* name() const override { return "pml"; }
  Status arm(SecondLevelSpace& space, uint64_t ram_bytes) override;
  void disarm(SecondLevelSpace& space, uint64_t ram_bytes) override;
  bool claim_fault(SecondLevelSpace&, uint64_t) override { return false; }  // it never protects
  size_t drain(std::span<uint64_t> gfns) override;
  Status rearm(SecondLevelSpace& space, std::span<const uint64_t> gfns) override;

 private:
  PmlFields& fields_;
  const uint64_t* entries_;
};

}  // namespace godwit::x86::vmx
