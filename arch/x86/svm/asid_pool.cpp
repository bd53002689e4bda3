#include "arch/x86/svm/asid_pool.h"

namespace godwit::x86::svm {

Expected<uint32_t> AsidPool::allocate() {
  for (uint32_t asid = 1; asid < count_; ++asid) {
    if (test(asid)) continue;
    used_[asid / 64] |= uint64_t{1} << (asid % 64);
    ++in_use_;
    return asid;
  }
  return fail(Error::kBusy);
}

Status AsidPool::release(uint32_t asid) {
  if (asid == 0 || asid >= count_ || !test(asid)) return fail(Error::kInvalidArgument);
  used_[asid / 64] &= ~(uint64_t{1} << (asid % 64));
  --in_use_;
  return ok();
}

}  // namespace godwit::x86::svm
