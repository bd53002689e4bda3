#include "migration/precopy_policy.h"

namespace godwit::migration {

const char* to_string(PrecopyDecision decision) {
  switch (decision) {
    case PrecopyDecision::kAnotherRound: return "another round";
    case PrecopyDecision::kStopConverged: return "converged";
    case PrecopyDecision::kStopWithinTarget: return "within target";
    case PrecopyDecision::kStopNoProgress: return "no progress";
    case PrecopyDecision::kStopRoundLimit: return "round limit";
  }
  return "unknown";
}

uint64_t PrecopyPolicy::bandwidth_bytes_per_s() const {
  if (total_ns_ == 0) return 0;
  // bytes * 1e9 / ns without overflow for any realistic migration (< 16 EiB*ns/1e9).
  unsigned __int128 rate = static_cast<unsigned __int128>(total_bytes_) * 1'000'000'000u / total_ns_;
  return rate > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(rate);
}

uint64_t PrecopyPolicy::estimated_final_ns(uint64_t dirty_pages) const {
  uint64_t bandwidth = bandwidth_bytes_per_s();
  if (bandwidth == 0) return UINT64_MAX;  // nothing measured: assume the worst
  unsigned __int128 bytes =
      static_cast<unsigned __int128>(dirty_pages) * parameters_.page_wire_bytes + parameters_.state_bytes;
  unsigned __int128 ns = bytes * 1'000'000'000u / bandwidth + round_trip_ns_;
  return ns > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(ns);
}

PrecopyDecision PrecopyPolicy::after_round(const RoundMeasurement& round) {
  ++rounds_;
  total_bytes_ += round.wire_bytes;
  total_ns_ += round.duration_ns;
  uint64_t dirty = round.pages_dirtied;

  if (estimated_final_ns(dirty) <= parameters_.downtime_target_ns) {
    bool shrank = dirty < round.pages_sent - round.pages_sent * parameters_.min_progress_percent / 100;
    return shrank ? PrecopyDecision::kStopConverged : PrecopyDecision::kStopWithinTarget;
  }

  // Progress: the dirty set fell clearly below the best seen so far.
  uint64_t threshold = smallest_dirty_ == UINT64_MAX
                           ? UINT64_MAX
                           : smallest_dirty_ - smallest_dirty_ * parameters_.min_progress_percent / 100;
  if (dirty < threshold) {
    rounds_without_progress_ = 0;
  } else {
    ++rounds_without_progress_;
  }
  if (dirty < smallest_dirty_) smallest_dirty_ = dirty;
  if (rounds_without_progress_ >= parameters_.no_progress_rounds) return PrecopyDecision::kStopNoProgress;

  if (rounds_ >= parameters_.max_rounds) return PrecopyDecision::kStopRoundLimit;
  return PrecopyDecision::kAnotherRound;
}

}  // namespace godwit::migration
