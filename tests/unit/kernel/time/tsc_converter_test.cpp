#include "kernel/time/tsc_converter.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(TscConverter, ConvertsBothWaysAtCommonRates) {
  for (uint64_t hz : {1'000'000'000ull, 2'993'123'456ull, 100'000'000ull, 5'200'000'000ull}) {
    TscConverter tsc(hz);
    EXPECT_NEAR(static_cast<double>(tsc.to_ns(hz)), 1e9, 1e9 * 1e-6) << hz;
    EXPECT_NEAR(static_cast<double>(tsc.to_cycles(1'000'000'000)), static_cast<double>(hz),
                static_cast<double>(hz) * 1e-6)
        << hz;
  }
}

TEST(TscConverter, LongUptimesDoNotOverflow) {
  TscConverter tsc(3'000'000'000ull);
  uint64_t ten_years_cycles = 3'000'000'000ull * 3600 * 24 * 365 * 10;
  EXPECT_NEAR(static_cast<double>(tsc.to_ns(ten_years_cycles)), 3600.0 * 24 * 365 * 10 * 1e9, 1e12);
}

TEST(TscConverter, UncalibratedIsZero) { EXPECT_EQ(TscConverter().to_ns(12345), 0u); }

}  // namespace
}  // namespace godwit
