#include "kernel/vm/absent_pages.h"

#include "kernel/time/clock.h"

namespace godwit::vm {

bool wait_for_page(Vm& vm, uint64_t gfn) {
  if (vm.absent_pages == nullptr || vm.absent_pages->fetch(gfn)) return true;
  vm.state = VmState::kStopped;
  vm.waiting_gfn = gfn;
  vm.waiting_since_ns = clock::now_ns();
  return false;
}

uint64_t page_arrived(Vm& vm, uint64_t gfn, uint64_t now_ns) {
  if (vm.waiting_gfn != gfn || vm.state != VmState::kStopped) return 0;
  vm.waiting_gfn = kNoAbsentPage;
  vm.state = VmState::kRunnable;
  return now_ns - vm.waiting_since_ns;
}

uint64_t first_absent_page(const Vm& vm, uint64_t gpa, uint64_t bytes) {
  if (vm.absent_pages == nullptr || bytes == 0) return kNoAbsentPage;
  for (uint64_t gfn = gpa / kGuestPageSize; gfn <= (gpa + bytes - 1) / kGuestPageSize; ++gfn) {
    if (!vm.absent_pages->present(gfn)) return gfn;
  }
  return kNoAbsentPage;
}

}  // namespace godwit::vm
