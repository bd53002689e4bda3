#include "kernel/migrate/migrate_options.h"

#include "lib/parse.h"

namespace godwit::migrate {

bool parse_migrate_options(std::span<const std::string_view> words, MigrateOptions& options) {
  for (size_t i = 0; i < words.size(); i += 2) {
    if (words[i] == "--verify") {
      options.verify = true;
      --i;  // a flag: no value follows
      continue;
    }
    if (i + 1 >= words.size()) return false;
    if (words[i] == "--mode") {
      auto mode = migration::parse_migration_mode(words[i + 1]);
      if (!mode) return false;
      options.mode = *mode;
      continue;
    }
    auto value = parse_u64(words[i + 1]);
    if (!value) return false;
    if (words[i] == "--downtime-ms" && *value >= 1 && *value <= 60'000) {
      options.policy.downtime_target_ns = *value * 1'000'000;
    } else if (words[i] == "--max-rounds" && *value >= 1 && *value <= 1000) {
      options.policy.max_rounds = static_cast<uint32_t>(*value);
    } else {
      return false;
    }
  }
  // Verify mode compares all of the paused memory at END: post-copy has none left to compare.
  return !(options.verify && migration::pulls_after_switch(options.mode));
}

}  // namespace godwit::migrate
