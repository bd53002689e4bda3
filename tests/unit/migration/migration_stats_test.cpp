#include "migration/migration_stats.h"

#include <gtest/gtest.h>

#include <string>

namespace godwit::migration {
namespace {

TEST(MigrationStats, RoundEventFields) {
  RoundStats round;
  round.round = 2;
  round.pages_sent = 300;
  round.zero_pages = 10;
  round.pages_dirtied = 40;
  round.wire_bytes = 1'200'000;
  round.duration_ns = 12'345'678;
  round.bandwidth_bytes_per_s = 3 * 1024 * 1024 + 512 * 1024;
  round.remaining_pages = 40;
  round.expected_downtime_ns = 51'250'000;
  FixedString<512> out;
  JsonWriter json(out.sink());
  write_round_fields(json, round);
  json.end();
  EXPECT_EQ(std::string(out.view()),
            R"({"round":2,"final":false,"pages_sent":300,"zero_pages":10,"pages_dirtied":40,)"
            R"("wire_bytes":1200000,"duration_ms":12.345,"bandwidth_mib_s":3.500,"remaining_pages":40,)"
            R"("expected_downtime_ms":51.250})");
}

TEST(MigrationStats, FailedSummarySaysWhy) {
  MigrationSummary summary;
  summary.outcome = MigrationOutcome::kFailed;
  summary.failure =
      StreamFault{StreamError::kPeerRefused, 8, 0, static_cast<uint64_t>(StreamError::kDigestMismatch), 0};
  FixedString<1024> out;
  JsonWriter json(out.sink());
  write_summary_fields(json, summary);
  json.end();
  std::string text(out.view());
  EXPECT_NE(
      text.find(R"("outcome":"failed","reason":"destination refused the migration: memory digest mismatch")"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("digest_verified":false)"), std::string::npos);
}

TEST(MigrationStats, AnUnsettledMigrationSaysSoAndWhy) {
  MigrationSummary summary;
  summary.outcome = MigrationOutcome::kUnsettled;
  summary.failure = fault(StreamError::kTimeout);
  summary.encrypted = true;
  FixedString<2048> out;
  JsonWriter json(out.sink());
  write_summary_fields(json, summary);
  json.end();
  std::string text(out.view());
  EXPECT_NE(text.find(R"("outcome":"unsettled","reason":"peer timed out")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("protection":"encrypted")"), std::string::npos) << text;
}

TEST(MigrationStats, SummaryBreaksThePauseDown) {
  MigrationSummary summary;
  summary.outcome = MigrationOutcome::kSucceeded;
  summary.downtime_ns = 7'000'000;
  summary.pause = PauseSteps{1'000'000, 500'000, 0, 250'000, 4'000'000, 1'250'000, 250'000};
  FixedString<2048> out;
  JsonWriter json(out.sink());
  write_summary_fields(json, summary);
  json.end();
  std::string text(out.view());
  EXPECT_NE(text.find(R"("downtime_ms":7.000,)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("pause_steps_ms":{"final_pages":1.000,"state":0.500,"verify":0.000,"end":0.250,)"
                      R"("ack":4.000,"commit":1.250,"release":0.250})"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace godwit::migration
