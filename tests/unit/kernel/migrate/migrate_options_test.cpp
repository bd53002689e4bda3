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

TEST(MigrateOptions, WhenQuietTakesARateAWindowAndAGiveUp) {
  MigrateOptions options;
  EXPECT_EQ(options.quiet.max_rate, 0u);  // migrate at once
  Words words{"--when-quiet", "50", "--for", "3", "--give-up", "90", "--verify"};
  ASSERT_TRUE(parse_migrate_options(words, options));
  EXPECT_EQ(options.quiet.max_rate, 50u);
  EXPECT_EQ(options.quiet.window_ns, 3'000'000'000u);
  EXPECT_EQ(options.quiet.give_up_ns, 90'000'000'000u);
  EXPECT_TRUE(options.verify);
  MigrateOptions defaults;
  ASSERT_TRUE(parse_migrate_options(Words{"--when-quiet", "10"}, defaults));
  EXPECT_EQ(defaults.quiet.window_ns, 5'000'000'000u);
  EXPECT_EQ(defaults.quiet.give_up_ns, 0u);
}

TEST(MigrateOptions, WhenQuietRefusesBadValuesAndOrphanQualifiers) {
  for (Words words :
       {Words{"--when-quiet", "0"}, Words{"--when-quiet"}, Words{"--for", "3"}, Words{"--give-up", "10"},
        Words{"--when-quiet", "5", "--for", "121"}, Words{"--when-quiet", "5", "--for", "0"},
        Words{"--when-quiet", "5", "--give-up", "0"}}) {
    MigrateOptions options;
    EXPECT_FALSE(parse_migrate_options(words, options)) << words[0] << " " << words.size();
  }
}

TEST(QuietVerdict, GoesOnceQuietLongEnoughAndGivesUpOnlyWhenAsked) {
  constexpr uint64_t kS = 1'000'000'000;
  QuietCondition c{100, 3 * kS, 0};
  EXPECT_EQ(quiet_verdict(c, 2 * kS, 50 * kS), QuietVerdict::kWait);
  EXPECT_EQ(quiet_verdict(c, 3 * kS, 50 * kS), QuietVerdict::kQuiet);
  c.give_up_ns = 10 * kS;
  EXPECT_EQ(quiet_verdict(c, 0, 9 * kS), QuietVerdict::kWait);
  EXPECT_EQ(quiet_verdict(c, 0, 10 * kS), QuietVerdict::kGiveUp);
  EXPECT_EQ(quiet_verdict(c, 3 * kS, 10 * kS), QuietVerdict::kQuiet);      // quiet wins a tie
  EXPECT_EQ(quiet_verdict(QuietCondition{}, 0, 0), QuietVerdict::kQuiet);  // no condition
}

}  // namespace
}  // namespace godwit::migrate
