#include "arch/x86/svm/tlb_flush.h"

#include "arch/x86/svm/exit_code.h"

namespace godwit::x86::svm {

void AsidTlbTracker::before_entry(VmcbControl& control) {
  flushing_epoch_ = space_.epoch();
  bool owed = fresh_ || flushing_epoch_ != seen_epoch_;
  TlbControl value = !owed            ? TlbControl::kNone
                     : flush_by_asid_ ? TlbControl::kFlushAsid
                                      : TlbControl::kFlushAll;
  control.tlb_control = static_cast<uint8_t>(value);
}

void AsidTlbTracker::after_entry(VmcbControl& control) {
  bool entered = static_cast<uint32_t>(control.exit_code) != exit_code::kInvalid;
  if (entered && control.tlb_control != static_cast<uint8_t>(TlbControl::kNone)) {
    fresh_ = false;
    seen_epoch_ = flushing_epoch_;
  }
  control.tlb_control = static_cast<uint8_t>(TlbControl::kNone);
}

}  // namespace godwit::x86::svm
