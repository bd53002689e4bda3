// The TLB flush behind every EPT space: INVEPT single-context for the space's EPTP, or
// all-context where the CPU lacks single-context (Intel SDM Vol. 3C 29.4.3.1,
// "Operations that Invalidate Cached Mappings").
#pragma once

#include "arch/x86/paging/second_level_space.h"

namespace godwit::x86::vmx {

class EptFlusher final : public TlbFlusher {
 public:
  void configure(bool single_context) { single_context_ = single_context; }
  // Before VMXON the CPU caches no EPT translation (and INVEPT would fault).
  void set_vmx_on() { vmx_on_ = true; }
  void flush(const SecondLevelSpace& space) override;

 private:
  bool single_context_ = false;
  bool vmx_on_ = false;
};

}  // namespace godwit::x86::vmx
