#include "lib/expected.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

Expected<int> half(int v) {
  if (v % 2 != 0) return fail(Error::kInvalidArgument);
  return v / 2;
}

Status chain(int v) {
  auto h = half(v);
  if (!h) return h.failure();
  return ok();
}

TEST(Expected, ValueOrError) {
  EXPECT_EQ(*half(8), 4);
  EXPECT_FALSE(half(3));
  EXPECT_EQ(half(3).error(), Error::kInvalidArgument);
  EXPECT_EQ(half(3).value_or(-1), -1);
}

TEST(Expected, StatusPropagates) {
  EXPECT_TRUE(chain(2));
  EXPECT_EQ(chain(1).error(), Error::kInvalidArgument);
}

TEST(Expected, CopiesKeepTheRightAlternative) {
  Expected<int> a = half(4);
  Expected<int> b = half(5);
  a = b;
  EXPECT_FALSE(a);
  b = half(10);
  EXPECT_EQ(*b, 5);
}

TEST(Error, EveryErrorHasText) {
  for (int e = 0; e <= static_cast<int>(Error::kPermission); ++e) {
    EXPECT_STRNE(to_string(static_cast<Error>(e)), "unknown error");
  }
}

}  // namespace
}  // namespace godwit
