// How long a post-copy guest waited on its absent pages (QEMU's postcopy-blocktime): each
// wait runs from the fault that parked the vCPU to the page's arrival and mapping, on the
// destination's clock. The sum, the longest, and a small histogram by decade.
#pragma once

#include <cstdint>

#include "lib/json_writer.h"

namespace godwit::migration {

struct FaultWaitStats {
  static constexpr int kBuckets = 5;
  // Upper bounds of the first four buckets (the last is everything from 1 s).
  static constexpr uint64_t kBucketLimitNs[kBuckets - 1] = {1'000'000, 10'000'000, 100'000'000,
                                                            1'000'000'000};

  uint64_t faults = 0;  // waits recorded
  uint64_t sum_ns = 0;
  uint64_t max_ns = 0;
  uint64_t histogram[kBuckets] = {};  // < 1 ms, < 10 ms, < 100 ms, < 1 s, >= 1 s

  void record(uint64_t wait_ns) {
    ++faults;
    sum_ns += wait_ns;
    if (wait_ns > max_ns) max_ns = wait_ns;
    int bucket = 0;
    while (bucket < kBuckets - 1 && wait_ns >= kBucketLimitNs[bucket]) ++bucket;
    ++histogram[bucket];
  }
};

// "fault_waits":n, "fault_wait_ms":sum, "fault_wait_max_ms":max,
// "fault_wait_hist":[<1ms, <10ms, <100ms, <1s, >=1s] (milliseconds with three decimals).
void write_fault_wait_fields(JsonWriter& json, const FaultWaitStats& waits);

}  // namespace godwit::migration
