// A guest's dirty rate over time (issue 17; seed 001 §4: log each VM's dirty rate all the
// time and migrate it when it dirties few pages). Fed once a second with the pages the
// guest dirtied since the last sample (the DirtyTracker's log, cleared each time), it
// keeps the last interval's rate, an exponentially smoothed rate, and the recent history
// that tells how long the rate has stayed under a threshold (`migrate --when-quiet`).
// Pure code, unit-tested on the host.
#pragma once

#include <cstdint>

namespace godwit::vm {

class DirtyRateMeter {
 public:
  static constexpr uint32_t kHistory = 128;  // samples kept: about two minutes at 1 Hz
  static constexpr uint64_t kNsPerSecond = 1'000'000'000;

  // Forgets everything; the next interval starts at `now_ns` (a new guest, or the
  // tracker given back by a migration or dirtylog, whose pages the meter never saw).
  void restart(uint64_t now_ns);
  // `pages` were dirtied between the previous sample (or restart) and `now_ns`.
  // Intervals shorter than a millisecond are ignored (false).
  bool sample(uint64_t pages, uint64_t now_ns);

  bool has_rate() const { return count_ != 0; }
  uint64_t last_rate() const { return last_rate_; }  // pages/s over the last interval
  uint64_t smoothed_rate() const { return smoothed_; }
  uint64_t interval_start_ns() const { return interval_start_ns_; }
  // How long, up to the last sample, every interval's rate stayed below `threshold`
  // pages/s (0 when the last one did not; at most the history's span).
  uint64_t quiet_ns(uint64_t threshold) const;

 private:
  struct Interval {
    uint64_t rate;
    uint64_t ns;
  };
  Interval history_[kHistory] = {};
  uint32_t next_ = 0, count_ = 0;
  uint64_t interval_start_ns_ = 0;
  uint64_t last_rate_ = 0, smoothed_ = 0;
};

}  // namespace godwit::vm
