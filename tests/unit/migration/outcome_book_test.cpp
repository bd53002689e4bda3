// RecentOutcomes: the verdicts a destination keeps for recoveries that find nothing to
// recover (docs/migration-stream.md, section 12.5).
#include "migration/outcome_book.h"

#include <gtest/gtest.h>

namespace godwit::migration {
namespace {

SessionId session(uint8_t n) {
  SessionId id;
  for (size_t i = 0; i < kSessionIdSize; ++i) id.bytes[i] = static_cast<uint8_t>(n + i);
  return id;
}

TEST(RecentOutcomes, AnUnknownSessionIsUnknown) {
  RecentOutcomes book;
  EXPECT_EQ(book.verdict(session(1).bytes), RecoveryVerdict::kUnknown);
  book.remember(session(1), RecoveryVerdict::kRunsHere);
  EXPECT_EQ(book.verdict(session(1).bytes), RecoveryVerdict::kRunsHere);
  EXPECT_EQ(book.verdict(session(2).bytes), RecoveryVerdict::kUnknown);
}

TEST(RecentOutcomes, RememberingASessionAgainReplacesItsVerdict) {
  RecentOutcomes book;
  book.remember(session(1), RecoveryVerdict::kGivenUp);
  book.remember(session(1), RecoveryVerdict::kRunsHere);
  for (uint8_t n = 2; n < RecentOutcomes::kEntries; ++n)
    book.remember(session(n), RecoveryVerdict::kNeverRan);
  // One slot for session 1, so it is still there after kEntries - 1 others.
  EXPECT_EQ(book.verdict(session(1).bytes), RecoveryVerdict::kRunsHere);
}

TEST(RecentOutcomes, TheOldestIsForgottenFirst) {
  RecentOutcomes book;
  for (uint8_t n = 0; n <= RecentOutcomes::kEntries; ++n)
    book.remember(session(n), RecoveryVerdict::kNeverRan);
  EXPECT_EQ(book.verdict(session(0).bytes), RecoveryVerdict::kUnknown);
  EXPECT_EQ(book.verdict(session(1).bytes), RecoveryVerdict::kNeverRan);
  EXPECT_EQ(book.verdict(session(RecentOutcomes::kEntries).bytes), RecoveryVerdict::kNeverRan);
}

TEST(RecentOutcomes, VerdictsHaveNames) {
  EXPECT_STREQ(to_string(RecoveryVerdict::kRunsHere), "runs-there");
  EXPECT_STREQ(to_string(RecoveryVerdict::kNeverRan), "never-ran");
  EXPECT_STREQ(to_string(RecoveryVerdict::kGivenUp), "given-up");
  EXPECT_STREQ(to_string(static_cast<RecoveryVerdict>(9)), "unknown");
}

}  // namespace
}  // namespace godwit::migration
