// A post-copy destination's guest runs before all of its memory is here: its absent pages
// are not mapped in its EPT/NPT, so the first access to one exits (EPT violation, NPF).
// The VM layer then parks the vCPU (kStopped, waiting_gfn) and asks the page's owner, the
// incoming migration, for it through AbsentPages; the migration maps the page when it
// arrives and page_arrived() runs the vCPU again. Other guests run meanwhile. The
// hypervisor's own reads of guest memory for a hypercall (console text) wait the same way:
// the hypercall is not completed, and runs again once its pages are here.
#pragma once

#include <cstdint>

#include "kernel/vm/vm.h"

namespace godwit::vm {

class AbsentPages {
 public:
  // The guest needs absent page `gfn`: ask for it (once). True when it is present after all.
  virtual bool fetch(uint64_t gfn) = 0;
  virtual bool present(uint64_t gfn) const = 0;

 protected:
  ~AbsentPages() = default;
};

// The guest accessed `gfn`, which is not mapped: fetch it and park the vCPU until it is
// here. Returns whether the guest may run on at once (the page was present after all).
bool wait_for_page(Vm& vm, uint64_t gfn);
// `gfn` is mapped now: a vCPU parked on it runs again. Returns how long it waited (0 when
// it did not wait for this page).
uint64_t page_arrived(Vm& vm, uint64_t gfn, uint64_t now_ns);
// The first page of [gpa, gpa + bytes) that is absent, or kNoAbsentPage (also when the
// guest has no absent pages at all).
inline constexpr uint64_t kNoAbsentPage = ~0ull;
uint64_t first_absent_page(const Vm& vm, uint64_t gpa, uint64_t bytes);

}  // namespace godwit::vm
