// The `migrate` command's options: one default for each tunable, the policy's.
#include "kernel/migrate/migrate_options.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace godwit::migrate {
namespace {

using Words = std::vector<std::string_view>;

TEST(MigrateOptions, NoOptionsKeepThePolicyDefaults) {
  MigrateOptions options;
  ASSERT_TRUE(parse_migrate_options({}, options));
  migration::PrecopyParameters defaults;
  EXPECT_EQ(options.policy.downtime_target_ns, defaults.downtime_target_ns);
  EXPECT_EQ(options.policy.max_rounds, defaults.max_rounds);
}

TEST(MigrateOptions, EachOptionSetsItsTunable) {
  MigrateOptions options;
  Words words{"--downtime-ms", "50", "--max-rounds", "4"};
  ASSERT_TRUE(parse_migrate_options(words, options));
  EXPECT_EQ(options.policy.downtime_target_ns, 50'000'000u);
  EXPECT_EQ(options.policy.max_rounds, 4u);
}

TEST(MigrateOptions, IntegrityOnlyByDefaultEncryptedOnRequest) {
  MigrateOptions options;
  ASSERT_TRUE(parse_migrate_options({}, options));
  EXPECT_EQ(options.protection, migration::Protection::kIntegrityOnly);
  Words words{"--verify", "--protect", "encrypted", "--max-rounds", "3"};
  ASSERT_TRUE(parse_migrate_options(words, options));
  EXPECT_EQ(options.protection, migration::Protection::kEncrypted);
  EXPECT_TRUE(options.verify);
  EXPECT_EQ(options.policy.max_rounds, 3u);
  Words back{"--protect", "integrity"};
  ASSERT_TRUE(parse_migrate_options(back, options));
  EXPECT_EQ(options.protection, migration::Protection::kIntegrityOnly);
}

TEST(MigrateOptions, RefusesUnknownMissingAndOutOfRangeValues) {
  for (Words words : {Words{"--downtime-ms"}, Words{"--downtime-ms", "0"}, Words{"--downtime-ms", "60001"},
                      Words{"--max-rounds", "1001"}, Words{"--max-rounds", "x"}, Words{"--rounds", "3"},
                      Words{"--protect"}, Words{"--protect", "none"}}) {
    MigrateOptions options;
    EXPECT_FALSE(parse_migrate_options(words, options)) << words[0];
  }
}

}  // namespace
}  // namespace godwit::migrate
