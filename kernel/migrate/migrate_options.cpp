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
    if (words[i] == "--protect") {
      if (words[i + 1] == "integrity") {
        options.protection = migration::Protection::kIntegrityOnly;
      } else if (words[i + 1] == "encrypted") {
        options.protection = migration::Protection::kEncrypted;
      } else {
        return false;
      }
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
  return true;
}

}  // namespace godwit::migrate
