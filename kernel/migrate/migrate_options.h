// What the `migrate` shell command may choose for one migration. Every default lives in
// migration/ (PrecopyParameters in precopy_policy.h) and nowhere else: an option left
// out keeps that default, so changing it there changes what `migrate` does.
// Pure code (compiled into godwit_core), unit-tested on the host.
#pragma once

#include <span>
#include <string_view>

#include "migration/migration_mode.h"
#include "migration/precopy_policy.h"

namespace godwit::migrate {

struct MigrateOptions {
  migration::PrecopyParameters policy;
  bool verify = false;  // SenderConfig::verify: compare all memory while paused
  migration::MigrationMode mode = migration::MigrationMode::kPrecopy;
};

// The options as the command's usage line names them.
inline constexpr std::string_view kMigrateOptionsUsage =
    "--mode stop-and-copy|pre-copy|post-copy|hybrid, --downtime-ms 1..60000, --max-rounds 1..1000 and "
    "--verify (not with post-copy or hybrid)";

// Reads `--name value` pairs and the `--verify` flag into `options`, which keeps its
// values for options not given. False at the first word it cannot use (unknown name,
// missing or out-of-range value, --verify with a mode that runs the guest before all of
// its memory has moved); `options` may then be partly set.
bool parse_migrate_options(std::span<const std::string_view> words, MigrateOptions& options);

}  // namespace godwit::migrate
