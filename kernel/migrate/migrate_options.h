// What the `migrate` shell command may choose for one migration. Every default lives in
// migration/ (PrecopyParameters in precopy_policy.h) and nowhere else: an option left
// out keeps that default, so changing it there changes what `migrate` does.
// Pure code (compiled into godwit_core), unit-tested on the host.
#pragma once

#include <span>
#include <string_view>

#include "migration/migration_mode.h"
#include "migration/precopy_policy.h"
#include "migration/record_protection.h"

namespace godwit::migrate {

// `--when-quiet <pages/s> [--for <s>] [--give-up <s>]` (issue 17, seed 001 §4): start
// only once the guest's dirty rate, as the dirty-rate logger measures it each second,
// has stayed below `max_rate` for `window_ns`; give up after `give_up_ns` (0 = never).
struct QuietCondition {
  uint64_t max_rate = 0;  // pages/s; 0 = migrate at once
  uint64_t window_ns = 5'000'000'000;
  uint64_t give_up_ns = 0;
};
// The history a DirtyRateMeter keeps bounds the window (kernel/vm/dirty_rate.h).
inline constexpr uint64_t kMaxQuietWindowS = 120;

struct MigrateOptions {
  migration::PrecopyParameters policy;
  bool verify = false;  // SenderConfig::verify: compare all memory while paused
  // SenderConfig::protection: integrity-only (every record authenticated) or encrypted.
  migration::Protection protection = migration::Protection::kIntegrityOnly;
  QuietCondition quiet;
  migration::MigrationMode mode = migration::MigrationMode::kPrecopy;
  // SenderConfig::postcopy_stall_timeout_ns; 0 = the node's (boot option
  // migrate_postcopy_timeout=, default 120 s).
  uint64_t postcopy_timeout_ns = 0;
};

enum class QuietVerdict { kWait, kQuiet, kGiveUp };
// Whether a `--when-quiet` wait is over: the guest has been quiet for `quiet_ns` (the
// trailing span of seconds below the threshold) after `waited_ns` of waiting.
QuietVerdict quiet_verdict(const QuietCondition& condition, uint64_t quiet_ns, uint64_t waited_ns);

// The options as the command's usage line names them.
inline constexpr std::string_view kMigrateOptionsUsage =
    "--mode stop-and-copy|pre-copy|post-copy|hybrid, --downtime-ms 1..60000, --max-rounds 1..1000, "
    "--verify (not with post-copy or hybrid), --protect integrity|encrypted, and "
    "--when-quiet <pages/s> with --for 1..120 (default 5) and --give-up <s>";

// Reads `--name value` pairs (`--protect` and `--mode` take a word) and the `--verify` flag into
// `options`, which keeps its values for options not given. False at the first word it cannot use
// (unknown name, missing or out-of-range value, --verify with a mode that runs the guest before all
// of its memory has moved); `options` may then be partly set.
bool parse_migrate_options(std::span<const std::string_view> words, MigrateOptions& options);

}  // namespace godwit::migrate
