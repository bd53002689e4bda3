// What a migration reports, as plain structs the kernel turns into @event lines
// ("migration_round" per round, "migration_summary" at the end) and the benchmark
// reads. Times in ns here; the kernel prints ms.
#pragma once

#include <cstdint>

#include "lib/json_writer.h"
#include "migration/precopy_policy.h"
#include "migration/stream_error.h"

namespace godwit::migration {

struct RoundStats {
  uint32_t round = 0;          // 0 = all memory; the last one runs with the guest paused
  bool final = false;          // the stop-and-copy round
  uint64_t pages_sent = 0;     // zero pages included
  uint64_t zero_pages = 0;     // sent as ZERO runs, no data
  uint64_t pages_dirtied = 0;  // written by the guest during this round
  uint64_t wire_bytes = 0;     // every record byte of the round
  uint64_t duration_ns = 0;
  uint64_t bandwidth_bytes_per_s = 0;
};

enum class MigrationOutcome : uint8_t { kInProgress, kSucceeded, kFailed };

struct MigrationSummary {
  MigrationOutcome outcome = MigrationOutcome::kInProgress;
  StreamFault failure;  // why, when kFailed
  PrecopyDecision stop_reason = PrecopyDecision::kAnotherRound;
  uint64_t total_ns = 0;     // connection to acknowledgement
  uint64_t downtime_ns = 0;  // pause on the source to the destination's ACK
  uint32_t rounds = 0;       // pre-copy rounds plus the final one
  uint64_t pages_sent = 0;
  uint64_t zero_pages = 0;
  uint64_t wire_bytes = 0;      // everything the source wrote, headers included
  uint64_t required_bytes = 0;  // data pages x 4096 + the state record bodies
  uint64_t digest = 0;
  bool digest_verified = false;  // the destination's ACK carried our digest
};

// Receives the sender's reports as they happen.
class MigrationObserver {
 public:
  virtual void on_round(const RoundStats& round) = 0;
  virtual void on_finished(const MigrationSummary& summary) = 0;

 protected:
  ~MigrationObserver() = default;
};

// The fields of the "migration_round" and "migration_summary" @event lines, so every
// tool reads the same names:
//   { Event e("migration_round"); write_round_fields(e.json(), round); }
void write_round_fields(JsonWriter& json, const RoundStats& round);
void write_summary_fields(JsonWriter& json, const MigrationSummary& summary);

}  // namespace godwit::migration
