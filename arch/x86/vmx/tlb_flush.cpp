#include "arch/x86/vmx/tlb_flush.h"

#include "arch/x86/vmx/ept_pointer.h"
#include "arch/x86/vmx/vmx_instructions.h"
#include "kernel/panic.h"

namespace godwit::x86::vmx {

void EptFlusher::flush(const SecondLevelSpace& space) {
  if (!vmx_on_) return;
  bool done = single_context_ ? invept(InveptType::kSingleContext, make_eptp(space.root()))
                              : invept(InveptType::kAllContext, 0);
  // A failed INVEPT would leave the guest with permissions the hypervisor took away.
  if (!done) panic("VT-x: INVEPT failed");
}

}  // namespace godwit::x86::vmx
