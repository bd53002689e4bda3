// What a migration reports, as plain structs the kernel turns into @event lines
// ("migration_round" per round, "migration_summary" at the end) and the benchmark
// reads. Times in ns here; the kernel prints ms.
#pragma once

#include <cstdint>

#include "lib/json_writer.h"
#include "migration/migration_mode.h"
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
  // What is left after this round (0 after the final one) and the policy's estimate of
  // the pause it would take to send it with the state and one round trip (QEMU's
  // expected-downtime); the final round carries the estimate made when pre-copy stopped.
  uint64_t remaining_pages = 0;
  uint64_t expected_downtime_ns = 0;
};

// The source's part of the pause, step by step on its own clock (each from the end of
// the step before; the destination reports its part in migration_received). Steps not
// reached stay 0: a failure after the pause ends the pause where it failed.
struct PauseSteps {
  uint64_t final_pages_ns = 0;  // pause -> last page of the final round handed to TCP
  uint64_t state_ns = 0;        // -> VCPU_STATE and DEVICE_STATE handed to TCP
  uint64_t verify_ns = 0;       // -> END built (verify mode: hashing all paused memory)
  uint64_t end_ns = 0;          // -> END handed to TCP
  uint64_t ack_ns = 0;          // -> VERIFIED received: the destination's checks, a round trip
  uint64_t commit_ns = 0;       // -> COMMITTED received: COMMIT out, the guest started there, a round trip
  uint64_t release_ns = 0;      // -> the guest released here (after the outage: not in downtime_ns)
};

// kUnsettled: COMMIT was sent but neither COMMITTED nor a sealed NACK came back, so the
// guest may run on the destination or not: it stays paused here, whole, until an
// operator settles it (docs/migration-stream.md, section 8).
enum class MigrationOutcome : uint8_t { kInProgress, kSucceeded, kFailed, kUnsettled };

struct MigrationSummary {
  MigrationOutcome outcome = MigrationOutcome::kInProgress;
  StreamFault failure;  // why, when kFailed or kUnsettled
  PrecopyDecision stop_reason = PrecopyDecision::kAnotherRound;
  uint64_t total_ns = 0;  // connection to acknowledgement
  // Pause on the source to the destination's COMMITTED (the guest runs there by then), or,
  // when the migration failed after the pause, to the guest's resumption here.
  uint64_t downtime_ns = 0;
  PauseSteps pause;
  uint32_t rounds = 0;  // pre-copy rounds plus the final one
  uint64_t pages_sent = 0;
  uint64_t zero_pages = 0;
  uint64_t wire_bytes = 0;      // everything the source wrote, headers included
  uint64_t required_bytes = 0;  // data pages x 4096 + the state record bodies
  uint64_t state_bytes = 0;     // wire bytes sent while paused besides pages (states, VERIFY, END)
  uint64_t digest = 0;
  bool verify = false;                 // verify mode: all memory hashed and compared on both sides
  bool digest_verified = false;        // the destination's VERIFIED carried our digest
  bool encrypted = false;              // the records were encrypted, not only authenticated
  uint64_t rtt_ns = 0;                 // connection opened -> CHALLENGE: one round trip
  uint64_t bandwidth_bytes_per_s = 0;  // the policy's measure over the pre-copy rounds
  uint64_t expected_downtime_ns = 0;   // the policy's estimate when pre-copy stopped
  MigrationMode mode = MigrationMode::kPrecopy;
  // Post-copy and hybrid: the destination was told to run the guest (the switch). A
  // failure after it leaves the guest split: the source keeps its paused copy, the
  // destination what it received, and neither can run it alone.
  bool switched = false;
  uint64_t pages_pushed = 0;   // after the switch, sent unasked (the background push)
  uint64_t demand_pages = 0;   // after the switch, sent because the destination asked
  uint64_t page_requests = 0;  // PAGE_REQUESTs received (duplicates and late ones included)
  // Post-copy recovery (section 12.5): connections that continued the split migration, and
  // the pages the destination said it still lacked at the last one.
  uint32_t recoveries = 0;
  uint64_t recovered_missing = 0;
  // A recovery that found nothing to recover got the destination's sealed verdict on this
  // migration (RecoveryVerdict: 1 the guest runs there, 2 it never ran there, 0 or 3 it
  // holds nothing of it); 0xFF when none came.
  uint8_t recovery_verdict = 0xFF;
};

// Receives the sender's reports as they happen.
class MigrationObserver {
 public:
  virtual void on_round(const RoundStats& round) = 0;
  // COMMIT was queued: from now on the source never resumes the guest on its own (a fault
  // injector's after_commit step waits for this; docs/migration-stream.md section 8).
  virtual void on_commit() = 0;
  virtual void on_finished(const MigrationSummary& summary) = 0;

 protected:
  ~MigrationObserver() = default;
};

// The destination's part of the pause, on its own clock, from END's arrival.
struct ArrivalSteps {
  uint64_t verify_ns = 0;   // END in -> digests compared (verify mode: all memory hashed)
  uint64_t state_ns = 0;    // -> vCPU and device state loaded, ACK queued
  uint64_t ack_out_ns = 0;  // -> VERIFIED handed to TCP
  uint64_t commit_ns = 0;   // -> COMMIT received (a round trip and the source's check)
  uint64_t resume_ns = 0;   // -> guest started
};

// Post-copy and hybrid: the destination's part of the pause, on its own clock, from
// POSTCOPY_SWITCH's arrival (docs/migration-stream.md, 12.2b). Steps not reached stay 0.
struct SwitchSteps {
  uint64_t unmap_ns = 0;      // SWITCH in -> the absent pages out of the EPT/NPT
  uint64_t load_ns = 0;       // -> vCPU and device state loaded, READY queued
  uint64_t ready_out_ns = 0;  // -> READY handed to TCP
  uint64_t go_ns = 0;         // -> GO in and the guest started (a round trip)
};

// The fields of the "migration_round" and "migration_summary" @event lines, so every
// tool reads the same names:
//   { Event e("migration_round"); write_round_fields(e.json(), round); }
void write_round_fields(JsonWriter& json, const RoundStats& round);
void write_summary_fields(JsonWriter& json, const MigrationSummary& summary);
// The "steps_ms" object of "migration_received".
void write_arrival_steps(JsonWriter& json, const ArrivalSteps& steps);
// The "switch_steps_ms" object of a post-copy "migration_received".
void write_switch_steps(JsonWriter& json, const SwitchSteps& steps);

}  // namespace godwit::migration
