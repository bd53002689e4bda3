// What the `migrate` shell command may choose for one migration. Every default lives in
// migration/ (PrecopyParameters in precopy_policy.h) and nowhere else: an option left
// out keeps that default, so changing it there changes what `migrate` does.
// Pure code (compiled into godwit_core), unit-tested on the host.
#pragma once

#include <span>
#include <string_view>

#include "migration/precopy_policy.h"
#include "migration/record_protection.h"

namespace godwit::migrate {

struct MigrateOptions {
  migration::PrecopyParameters policy;
  bool verify = false;  // SenderConfig::verify: compare all memory while paused
  // SenderConfig::protection: integrity-only (every record authenticated) or encrypted.
  migration::Protection protection = migration::Protection::kIntegrityOnly;
};

// The options as the command's usage line names them.
inline constexpr std::string_view kMigrateOptionsUsage =
    "--downtime-ms 1..60000, --max-rounds 1..1000, --verify and --protect integrity|encrypted";

// Reads `--name value` pairs (`--protect` takes a word) and the `--verify` flag into `options`, which keeps
// its values for options not given. False at the first word it cannot use (unknown name, missing or
// out-of-range value); `options` may then be partly set.
bool parse_migrate_options(std::span<const std::string_view> words, MigrateOptions& options);

}  // namespace godwit::migrate
