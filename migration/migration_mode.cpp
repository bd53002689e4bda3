#include "migration/migration_mode.h"

namespace godwit::migration {

const char* to_string(MigrationMode mode) {
  switch (mode) {
    case MigrationMode::kStopAndCopy: return "stop-and-copy";
    case MigrationMode::kPrecopy: return "pre-copy";
    case MigrationMode::kPostcopy: return "post-copy";
    case MigrationMode::kHybrid: return "hybrid";
  }
  return "unknown";
}

std::optional<MigrationMode> parse_migration_mode(std::string_view name) {
  for (auto mode : {MigrationMode::kStopAndCopy, MigrationMode::kPrecopy, MigrationMode::kPostcopy,
                    MigrationMode::kHybrid}) {
    if (name == to_string(mode)) return mode;
  }
  return std::nullopt;
}

}  // namespace godwit::migration
