#include "kernel/migrate/migrate_options.h"

#include "lib/parse.h"

namespace godwit::migrate {

bool parse_migrate_options(std::span<const std::string_view> words, MigrateOptions& options) {
  bool saw_quiet_option = false;
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
    } else if (words[i] == "--when-quiet" && *value >= 1 && *value <= 10'000'000) {
      options.quiet.max_rate = *value;
    } else if (words[i] == "--for" && *value >= 1 && *value <= kMaxQuietWindowS) {
      options.quiet.window_ns = *value * 1'000'000'000;
      saw_quiet_option = true;
    } else if (words[i] == "--give-up" && *value >= 1 && *value <= 86'400) {
      options.quiet.give_up_ns = *value * 1'000'000'000;
      saw_quiet_option = true;
    } else {
      return false;
    }
  }
  // --for and --give-up only qualify --when-quiet.
  if (saw_quiet_option && options.quiet.max_rate == 0) return false;
  // Verify mode compares all of the paused memory at END: post-copy has none left to compare.
  return !(options.verify && migration::pulls_after_switch(options.mode));
}

QuietVerdict quiet_verdict(const QuietCondition& condition, uint64_t quiet_ns, uint64_t waited_ns) {
  if (condition.max_rate == 0 || quiet_ns >= condition.window_ns) return QuietVerdict::kQuiet;
  if (condition.give_up_ns != 0 && waited_ns >= condition.give_up_ns) return QuietVerdict::kGiveUp;
  return QuietVerdict::kWait;
}

}  // namespace godwit::migrate
