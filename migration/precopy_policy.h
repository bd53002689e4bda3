// PrecopyPolicy: after each pre-copy round, decide whether to send another round of
// dirtied pages while the guest keeps running, or to stop the guest and copy the rest.
// Pre-copy only pays off while the guest dirties memory more slowly than the network
// sends it; the policy stops as soon as one of these holds:
//   converged     - the dirty set would go out within the downtime target, and the
//                   round shrank it (it is at least min_progress_percent smaller than
//                   the set the round sent);
//   within target - the dirty set would go out within the target, but it did not
//                   shrink (a flat working set the link outruns): stopping is right,
//                   calling it convergence would not be;
//   no progress   - the dirty set has not shrunk meaningfully for N rounds (the guest
//                   dirties as fast as we send: more rounds only cost time);
//   round limit   - a hard cap, whatever the trend.
// The estimate of the pause is what must still be sent (the dirty pages, the state and
// END) at the bandwidth measured so far, plus one round trip for the ACK: with the
// incremental digest (docs/decisions/0010-incremental-digest.md) nothing else grows
// with memory. Verify mode adds a hash of all memory on both nodes, which it does not
// estimate. Pure arithmetic on the numbers the sender measures, tested on traces.
#pragma once

#include <cstdint>

namespace godwit::migration {

struct PrecopyParameters {
  uint64_t downtime_target_ns = 300'000'000;  // 300 ms
  uint32_t max_rounds = 30;                   // round 0 included
  // A round "makes progress" when the dirty set is at least this many percent smaller
  // than the smallest seen before it.
  uint32_t min_progress_percent = 10;
  uint32_t no_progress_rounds = 3;  // stop after this many rounds without progress
  // Bytes the final copy must send besides pages (VCPU_STATE 1064 with its FPU state,
  // DEVICE_STATE 304, END 32, ROUND 32 on the wire, rounded up).
  uint64_t state_bytes = 1536;
  // Wire bytes per dirty page (data + entry + a share of the record header).
  uint64_t page_wire_bytes = 4096 + 16 + 1;
};

// What the sender measured in one round.
struct RoundMeasurement {
  uint64_t pages_sent = 0;
  uint64_t wire_bytes = 0;
  uint64_t duration_ns = 0;
  uint64_t pages_dirtied = 0;  // written during this round: the next round's set
};

enum class PrecopyDecision : uint8_t {
  kAnotherRound,
  kStopConverged,
  kStopWithinTarget,
  kStopNoProgress,
  kStopRoundLimit,
};

// "another round", "converged", "within target", "no progress", "round limit".
const char* to_string(PrecopyDecision decision);

class PrecopyPolicy {
 public:
  explicit PrecopyPolicy(const PrecopyParameters& parameters) : parameters_(parameters) {}

  // Records one finished round and decides what follows it.
  PrecopyDecision after_round(const RoundMeasurement& round);

  // Bytes per second over every round so far (total bytes / total time); 0 before the
  // first measurement.
  uint64_t bandwidth_bytes_per_s() const;
  // The round trip the ACK will take (the sender measures it when CHALLENGE arrives).
  void set_round_trip_ns(uint64_t ns) { round_trip_ns_ = ns; }
  // Estimated pause: `dirty_pages` and the state at that bandwidth, plus a round trip.
  uint64_t estimated_final_ns(uint64_t dirty_pages) const;
  uint32_t rounds() const { return rounds_; }
  const PrecopyParameters& parameters() const { return parameters_; }

 private:
  PrecopyParameters parameters_;
  uint32_t rounds_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t total_ns_ = 0;
  uint64_t smallest_dirty_ = UINT64_MAX;
  uint32_t rounds_without_progress_ = 0;
  uint64_t round_trip_ns_ = 0;
};

}  // namespace godwit::migration
