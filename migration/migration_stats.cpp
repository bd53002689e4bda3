#include "migration/migration_stats.h"

#include "migration/recovery_format.h"

namespace godwit::migration {
namespace {

int64_t microseconds(uint64_t ns) { return static_cast<int64_t>(ns / 1000); }

// MiB/s with three decimals, as thousandths.
int64_t mib_per_s_milli(uint64_t bytes_per_s) {
  return static_cast<int64_t>(bytes_per_s * 1000 / (1024ull * 1024));
}

}  // namespace

void write_round_fields(JsonWriter& json, const RoundStats& round) {
  json.field("round", round.round).field("final", round.final);
  json.field("pages_sent", round.pages_sent).field("zero_pages", round.zero_pages);
  json.field("pages_dirtied", round.pages_dirtied).field("wire_bytes", round.wire_bytes);
  json.fixed("duration_ms", microseconds(round.duration_ns), 3);
  json.fixed("bandwidth_mib_s", mib_per_s_milli(round.bandwidth_bytes_per_s), 3);
  json.field("remaining_pages", round.remaining_pages);
  json.fixed("expected_downtime_ms", microseconds(round.expected_downtime_ns), 3);
}

void write_summary_fields(JsonWriter& json, const MigrationSummary& summary) {
  bool succeeded = summary.outcome == MigrationOutcome::kSucceeded;
  // "split": failed after the switch; the guest can run nowhere until the nodes
  // reconnect (docs/migration-stream.md, section 12.4). After a recovery's verdict (12.5):
  // "failed" when it never ran there (it runs here again), "lost" when the destination
  // holds nothing of it.
  bool failed = summary.outcome == MigrationOutcome::kFailed;
  auto verdict = static_cast<RecoveryVerdict>(summary.recovery_verdict);
  bool never_ran = summary.recovery_verdict != 0xFF && verdict == RecoveryVerdict::kNeverRan;
  bool lost = failed && summary.recovery_verdict != 0xFF && !never_ran;
  json.field("outcome", succeeded                                         ? "succeeded"
                        : lost                                            ? "lost"
                        : failed && summary.switched && !never_ran        ? "split"
                        : failed                                          ? "failed"
                        : summary.outcome == MigrationOutcome::kUnsettled ? "unsettled"
                                                                          : "running");
  if (failed || summary.outcome == MigrationOutcome::kUnsettled) {
    FixedString<200> reason;
    write_fault(reason.sink(), summary.failure);
    json.field("reason", reason.view());
  }
  // Stop-and-copy and post-copy run no pre-copy round that could stop.
  json.field("stop_reason", pushes_first(summary.mode) ? to_string(summary.stop_reason) : "none");
  json.fixed("total_ms", microseconds(summary.total_ns), 3);
  json.fixed("downtime_ms", microseconds(summary.downtime_ns), 3);
  json.fixed("expected_downtime_ms", microseconds(summary.expected_downtime_ns), 3);
  json.begin_object("pause_steps_ms");
  json.fixed("final_pages", microseconds(summary.pause.final_pages_ns), 3);
  json.fixed("state", microseconds(summary.pause.state_ns), 3);
  json.fixed("verify", microseconds(summary.pause.verify_ns), 3);
  json.fixed("end", microseconds(summary.pause.end_ns), 3);
  json.fixed("ack", microseconds(summary.pause.ack_ns), 3);
  json.fixed("commit", microseconds(summary.pause.commit_ns), 3);
  json.fixed("release", microseconds(summary.pause.release_ns), 3);
  json.end_object();
  json.field("rounds", summary.rounds).field("pages_sent", summary.pages_sent);
  json.field("zero_pages", summary.zero_pages).field("wire_bytes", summary.wire_bytes);
  json.field("required_bytes", summary.required_bytes).field("state_bytes", summary.state_bytes);
  json.fixed("bandwidth_mib_s", mib_per_s_milli(summary.bandwidth_bytes_per_s), 3);
  json.fixed("rtt_ms", microseconds(summary.rtt_ns), 3);
  json.field("verify", summary.verify).field("digest_verified", summary.digest_verified);
  json.field("protection", summary.encrypted ? "encrypted" : "integrity");
  json.field("mode", to_string(summary.mode)).field("switched", summary.switched);
  json.field("pages_pushed", summary.pages_pushed).field("demand_pages", summary.demand_pages);
  json.field("page_requests", summary.page_requests);
  if (summary.recovery_verdict != 0xFF) {
    json.field("recovery_verdict", to_string(static_cast<RecoveryVerdict>(summary.recovery_verdict)));
  }
  if (summary.recoveries != 0) {
    json.field("recoveries", summary.recoveries).field("recovered_missing", summary.recovered_missing);
  }
}

void write_arrival_steps(JsonWriter& json, const ArrivalSteps& steps) {
  json.begin_object("steps_ms");
  json.fixed("verify", microseconds(steps.verify_ns), 3);
  json.fixed("state", microseconds(steps.state_ns), 3);
  json.fixed("ack_out", microseconds(steps.ack_out_ns), 3);
  json.fixed("commit", microseconds(steps.commit_ns), 3);
  json.fixed("resume", microseconds(steps.resume_ns), 3);
  json.end_object();
}

void write_switch_steps(JsonWriter& json, const SwitchSteps& steps) {
  json.begin_object("switch_steps_ms");
  json.fixed("unmap", microseconds(steps.unmap_ns), 3);
  json.fixed("load", microseconds(steps.load_ns), 3);
  json.fixed("ready_out", microseconds(steps.ready_out_ns), 3);
  json.fixed("go", microseconds(steps.go_ns), 3);
  json.end_object();
}

}  // namespace godwit::migration
