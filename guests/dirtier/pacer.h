// Spreads events evenly at `per_second` over guest time: how many should have happened
// by now, and when the next one is due. Pure and header-only (unit-tested on the host).
#pragma once

#include <cstdint>

namespace godwit::guest::dirtier {

class Pacer {
 public:
  static constexpr uint64_t kNsPerSecond = 1'000'000'000;
  static constexpr uint64_t kMaxRate = 10'000'000;  // keeps the arithmetic in 64 bits

  // per_second in [1, kMaxRate]; `done` events have happened at `now_ns`.
  Pacer(uint64_t per_second, uint64_t now_ns, uint64_t done = 0)
      : rate_(per_second), start_ns_(now_ns), base_(done) {}

  // Events due by `now_ns` since the start, counting the `done` ones.
  uint64_t due(uint64_t now_ns) const {
    uint64_t elapsed = now_ns > start_ns_ ? now_ns - start_ns_ : 0;
    return base_ + elapsed / kNsPerSecond * rate_ + elapsed % kNsPerSecond * rate_ / kNsPerSecond;
  }
  // The guest time at which event number `n` (counted like due()) is due.
  uint64_t time_of(uint64_t n) const {
    uint64_t k = n > base_ ? n - base_ : 0;
    return start_ns_ + k / rate_ * kNsPerSecond + (k % rate_ * kNsPerSecond + rate_ - 1) / rate_;
  }
  // When more than a second behind (a pause, a migration's stop-and-copy, a slow
  // emulator), forget the backlog instead of catching up in one burst.
  void drop_backlog(uint64_t now_ns, uint64_t done) {
    if (due(now_ns) > done + rate_) *this = Pacer(rate_, now_ns, done);
  }

 private:
  uint64_t rate_;
  uint64_t start_ns_;
  uint64_t base_;
};

}  // namespace godwit::guest::dirtier
