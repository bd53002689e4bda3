#include "kernel/vm/dirty_rate.h"

namespace godwit::vm {

void DirtyRateMeter::restart(uint64_t now_ns) {
  *this = DirtyRateMeter{};
  interval_start_ns_ = now_ns;
}

bool DirtyRateMeter::sample(uint64_t pages, uint64_t now_ns) {
  if (now_ns < interval_start_ns_ + 1'000'000) return false;
  uint64_t ns = now_ns - interval_start_ns_;
  // pages * 1e9 / ns without overflow for any page count a guest can have (< 2^18 per GiB).
  uint64_t rate = pages * 1'000'000 / (ns / 1000);
  last_rate_ = rate;
  // Weight 1/4 for the new interval: a step in the rate shows half in ~2.4 s, 90% in ~8 s.
  smoothed_ = count_ == 0 ? rate : (smoothed_ * 3 + rate + 2) / 4;
  history_[next_] = {rate, ns};
  next_ = (next_ + 1) % kHistory;
  if (count_ < kHistory) ++count_;
  interval_start_ns_ = now_ns;
  return true;
}

uint64_t DirtyRateMeter::quiet_ns(uint64_t threshold) const {
  uint64_t quiet = 0;
  for (uint32_t i = 0; i < count_; ++i) {
    const Interval& interval = history_[(next_ + kHistory - 1 - i) % kHistory];
    if (interval.rate >= threshold) break;
    quiet += interval.ns;
  }
  return quiet;
}

}  // namespace godwit::vm
