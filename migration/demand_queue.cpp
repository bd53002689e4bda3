#include "migration/demand_queue.h"

namespace godwit::migration {

bool DemandQueue::contains(uint64_t gfn) const {
  for (size_t i = 0; i < count_; ++i) {
    if (ring_[(head_ + i) % kCapacity] == gfn) return true;
  }
  return false;
}

DemandQueue::Request DemandQueue::request(uint64_t gfn, const PageBitmap& pending) {
  if (!pending.test(gfn)) return Request::kAlreadySent;
  if (contains(gfn)) return Request::kAlreadyQueued;
  if (count_ == kCapacity) return Request::kDropped;
  ring_[(head_ + count_) % kCapacity] = gfn;
  ++count_;
  return Request::kQueued;
}

bool DemandQueue::pop(uint64_t& gfn, const PageBitmap& pending) {
  while (count_ != 0) {
    uint64_t next = ring_[head_];
    head_ = (head_ + 1) % kCapacity;
    --count_;
    if (pending.test(next)) {  // the push may have sent it since it was queued
      gfn = next;
      return true;
    }
  }
  return false;
}

}  // namespace godwit::migration
