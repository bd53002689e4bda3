// How a backend notices the pages a guest writes, for the dirty tracker in
// kernel/vm/dirty_tracker.h (which keeps the log, its policy and its callers' interface).
// Two mechanisms exist (docs/decisions/0022-pml-dirty-tracking.md):
//   write protection (write_protection.h, both backends): every armed page is read-only
//     and its first write faults; the fault handler asks claim_fault() to let it go on.
//   page-modification logging (arch/x86/vmx/page_modification_log.h, VT-x where the
//     CPU has PML): pages stay writable, the CPU logs the first write to each page whose
//     dirty flag is clear; drain() hands the logged pages over.
// A page is "armed" when its next write is noticed (by a fault or in the log).
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/second_level_space.h"
#include "lib/expected.h"

namespace godwit::x86 {

class DirtyMechanism {
 public:
  // The most pages a CPU log holds (a VT-x PML log has 512 entries).
  static constexpr size_t kMaxLogged = 512;

  // "write-protect" or "pml": stable, part of the shell's output and of @event lines.
  virtual const char* name() const = 0;
  // Arms every mapped page of [0, ram_bytes) of `space` and starts an empty log.
  virtual Status arm(SecondLevelSpace& space, uint64_t ram_bytes) = 0;
  // Stops noticing writes: the guest runs on with no tracking cost.
  virtual void disarm(SecondLevelSpace& space, uint64_t ram_bytes) = 0;
  // A write fault on the present page at `page`: true when this mechanism caused it
  // (the page is then writable, and disarmed, until rearm()).
  virtual bool claim_fault(SecondLevelSpace& space, uint64_t page) = 0;
  // Moves up to gfns.size() pages the CPU logged out of its log into `gfns` (guest
  // frame numbers, possibly repeated across calls); returns how many, 0 when empty.
  // kMaxLogged pages in all empty the log.
  virtual size_t drain(std::span<uint64_t> gfns) = 0;
  // Arms these pages again, with at most one TLB flush.
  virtual Status rearm(SecondLevelSpace& space, std::span<const uint64_t> gfns) = 0;

 protected:
  ~DirtyMechanism() = default;
};

}  // namespace godwit::x86
