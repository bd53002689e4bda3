// How a stream fault reads in the shell and the events: what a student sees when a
// migration fails.
#include "migration/stream_error.h"

#include <gtest/gtest.h>

#include "stream_builder.h"

namespace godwit::migration {
namespace {

using testing::describe;

TEST(StreamErrorText, TimeoutsReadInMilliseconds) {
  EXPECT_EQ(describe(fault(StreamError::kTimeout, 30'012'000'000, 30'000'000'000)),
            "peer timed out (silent for 30012 ms, limit 30000 ms)");
  EXPECT_EQ(describe(fault(StreamError::kHandshakeTimeout, 10'500'000'000, 10'000'000'000)),
            "the peer did not authenticate in time (silent for 10500 ms, limit 10000 ms)");
}

TEST(StreamErrorText, RefusalForATimeoutNamesHowLongThePeerWasSilent) {
  StreamFault refused{StreamError::kPeerRefused, 0, 0, static_cast<uint64_t>(StreamError::kTimeout),
                      30'000'000'000};
  EXPECT_EQ(describe(refused), "destination refused the migration: peer timed out (silent for 30000 ms)");
}

TEST(StreamErrorText, OtherValuesStayHex) {
  StreamFault refused{StreamError::kPeerRefused, 0, 0, static_cast<uint64_t>(StreamError::kGfnOutOfRange),
                      0x42};
  EXPECT_EQ(describe(refused),
            "destination refused the migration: page frame number outside guest memory (detail 0x42)");
  StreamFault in_record{StreamError::kRecordTooLong, 0x3, 64, 0x20000, 0x10000};
  EXPECT_EQ(describe(in_record),
            "record too long (PAGE_BATCH record 0x3 at byte 64; value 0x20000, limit 0x10000)");
}

}  // namespace
}  // namespace godwit::migration
