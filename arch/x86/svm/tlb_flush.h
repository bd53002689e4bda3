// TLB flushes for nested paging. AMD-V has no INVEPT: a guest's cached translations
// are dropped by the VMRUN that enters it, as TLB_CONTROL in its VMCB asks (APM Vol. 2
// 15.16.2). So a flush is bookkeeping in two halves:
// - NptFlushEpoch is the space's TlbFlusher: each permission reduction (protect, unmap)
//   starts a new epoch.
// - AsidTlbTracker belongs to one vCPU: before each VMRUN it sets TLB_CONTROL to flush
//   this ASID's entries (3, or 1 = everything without flush-by-ASID) when the space has
//   moved to a new epoch since this vCPU last entered, or when the vCPU is new (its ASID
//   may still tag a previous owner's entries); after the VMRUN it sets it back to 0, so
//   entries that owe nothing do not flush.
// QEMU flushes on every world switch anyway, so only the unit tests see a missing flush.
// Pure code.
#pragma once

#include <cstdint>

#include "arch/x86/paging/second_level_space.h"
#include "arch/x86/svm/vmcb.h"

namespace godwit::x86::svm {

class NptFlushEpoch final : public TlbFlusher {
 public:
  void flush(const SecondLevelSpace&) override { ++epoch_; }
  uint64_t epoch() const { return epoch_; }

 private:
  uint64_t epoch_ = 0;
};

class AsidTlbTracker {
 public:
  AsidTlbTracker(const NptFlushEpoch& space, bool flush_by_asid)
      : space_(space), flush_by_asid_(flush_by_asid) {}

  // Writes TLB_CONTROL for the coming VMRUN.
  void before_entry(VmcbControl& control);
  // After the VMRUN returned: the flush counts as done only if the CPU entered the
  // guest (a VMRUN refused with VMEXIT_INVALID keeps it owed). Clears TLB_CONTROL.
  void after_entry(VmcbControl& control);

 private:
  const NptFlushEpoch& space_;
  bool flush_by_asid_;
  bool fresh_ = true;
  uint64_t seen_epoch_ = 0;      // the space's epoch at this vCPU's last flush
  uint64_t flushing_epoch_ = 0;  // the epoch the coming VMRUN brings it up to
};

}  // namespace godwit::x86::svm
