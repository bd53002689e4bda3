// The loadgen's duty cycle: time is cut into periods of `period_ns`; each starts with
// the period's page writes, then is busy (floating-point work) until `load_percent` of
// the period has passed, then idle until the next. After `idle_after_ns` (0 = never) the
// load and the page writes drop to zero for good: a busy guest that turns quiet.
// Pure and header-only (unit-tested on the host).
#pragma once

#include <cstdint>

namespace godwit::guest::loadgen {

struct LoadConfig {
  uint64_t period_ns = 100'000'000;
  uint32_t load_percent = 50;  // 0..100
  uint64_t pages = 0;          // pages written at the start of each period
  uint64_t idle_after_ns = 0;  // guest time after start; 0 = never
};

struct Period {
  uint64_t index = 0;
  uint64_t start_ns = 0, busy_until_ns = 0, end_ns = 0;
  uint64_t pages = 0;  // to write now
  bool idle = false;   // past idle_after: no load, no writes
};

class Schedule {
 public:
  Schedule(const LoadConfig& config, uint64_t start_ns) : config_(config), start_ns_(start_ns) {}

  // The period that contains `now_ns` (periods are fixed on the guest clock: a pause,
  // such as a migration's stop-and-copy, skips periods rather than running them late).
  Period at(uint64_t now_ns) const {
    uint64_t elapsed = now_ns > start_ns_ ? now_ns - start_ns_ : 0;
    Period p;
    p.index = elapsed / config_.period_ns;
    p.start_ns = start_ns_ + p.index * config_.period_ns;
    p.end_ns = p.start_ns + config_.period_ns;
    p.idle = config_.idle_after_ns != 0 && elapsed >= config_.idle_after_ns;
    uint64_t busy = p.idle ? 0 : config_.period_ns / 100 * config_.load_percent;
    p.busy_until_ns = p.start_ns + busy;
    p.pages = p.idle ? 0 : config_.pages;
    return p;
  }
  // Pages a second while not idle: what a dirty-rate measurement should see when the
  // working set holds at least that many pages.
  uint64_t pages_per_second() const { return config_.pages * 1'000'000'000 / config_.period_ns; }

 private:
  LoadConfig config_;
  uint64_t start_ns_;
};

}  // namespace godwit::guest::loadgen
