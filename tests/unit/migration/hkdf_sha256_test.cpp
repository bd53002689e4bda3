// HKDF-SHA-256 against RFC 5869 appendix A, test cases 1 to 3 (the SHA-256 ones).
#include "migration/hkdf_sha256.h"

#include <gtest/gtest.h>

#include "tests/unit/migration/hex_bytes.h"

namespace godwit::migration {
namespace {

using testing::from_hex;
using testing::to_hex;

std::string okm(std::string_view ikm, std::string_view salt, std::string_view info, size_t length) {
  std::vector<uint8_t> out(length);
  HkdfSha256 hkdf(from_hex(salt), from_hex(ikm));
  EXPECT_TRUE(hkdf.expand(from_hex(info), out));
  return to_hex(out);
}

TEST(HkdfSha256, Rfc5869Case1Basic) {
  EXPECT_EQ(okm("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
                "f0f1f2f3f4f5f6f7f8f9", 42),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256, Rfc5869Case2LongInputs) {
  std::string ikm, salt, info;
  for (int i = 0x00; i < 0x50; ++i) ikm += to_hex(std::vector<uint8_t>{static_cast<uint8_t>(i)});
  for (int i = 0x60; i < 0xb0; ++i) salt += to_hex(std::vector<uint8_t>{static_cast<uint8_t>(i)});
  for (int i = 0xb0; i < 0x100; ++i) info += to_hex(std::vector<uint8_t>{static_cast<uint8_t>(i)});
  EXPECT_EQ(okm(ikm, salt, info, 82),
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09"
            "da3275600c"
            "2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87");
}

TEST(HkdfSha256, Rfc5869Case3EmptySaltAndInfo) {
  EXPECT_EQ(okm("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "", 42),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256, ExpandsAgainWithOtherInfoAndStopsAtTheRfcLimit) {
  HkdfSha256 hkdf(from_hex("000102030405060708090a0b0c"),
                  from_hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"));
  std::vector<uint8_t> a(42), b(42), again(42);
  ASSERT_TRUE(hkdf.expand(from_hex("f0f1f2f3f4f5f6f7f8f9"), a));
  ASSERT_TRUE(hkdf.expand(from_hex("f0f1f2f3f4f5f6f7f8fa"), b));
  ASSERT_TRUE(hkdf.expand(from_hex("f0f1f2f3f4f5f6f7f8f9"), again));
  EXPECT_EQ(to_hex(a),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  EXPECT_NE(a, b);
  EXPECT_EQ(a, again);
  std::vector<uint8_t> most(kHkdfSha256MaxOutput), too_much(kHkdfSha256MaxOutput + 1, 0xAA);
  EXPECT_TRUE(hkdf.expand({}, most));
  EXPECT_FALSE(hkdf.expand({}, too_much));
  EXPECT_EQ(too_much[0], 0xAA);
}

}  // namespace
}  // namespace godwit::migration
