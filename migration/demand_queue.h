// DemandQueue: the source's queue of pages the destination asked for during post-copy,
// served ahead of the background push. `pending` is the sender's set of pages not yet
// sent since the switch: a request for a page no longer in it needs no answer, since
// the page is already on its way (a push in flight crossed the request) or arrived.
// A page asked for twice is queued once. The queue is small (a guest has one vCPU, which
// waits on one page at a time); a request that finds it full is dropped: the page is
// still pending, so the push brings it. Pure.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/page_bitmap.h"

namespace godwit::migration {

class DemandQueue {
 public:
  static constexpr size_t kCapacity = 64;

  enum class Request : uint8_t { kQueued, kAlreadySent, kAlreadyQueued, kDropped };
  Request request(uint64_t gfn, const PageBitmap& pending);
  // The oldest queued page that is still pending (sending it is the caller's next
  // step); false when none is.
  bool pop(uint64_t& gfn, const PageBitmap& pending);
  size_t size() const { return count_; }

 private:
  bool contains(uint64_t gfn) const;

  uint64_t ring_[kCapacity] = {};
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace godwit::migration
