#include "arch/x86/svm/asid_pool.h"

#include <gtest/gtest.h>

namespace godwit::x86::svm {
namespace {

TEST(AsidPool, HandsOutOneToCountMinusOneNeverZero) {
  AsidPool pool(16);  // QEMU's software SVM
  for (uint32_t expected = 1; expected < 16; ++expected) {
    auto asid = pool.allocate();
    ASSERT_TRUE(asid);
    EXPECT_EQ(*asid, expected);
  }
  auto none = pool.allocate();
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error(), Error::kBusy);
  EXPECT_EQ(pool.in_use(), 15u);
}

TEST(AsidPool, ReleasedAsidsAreReused) {
  AsidPool pool(4);
  ASSERT_TRUE(pool.allocate());
  auto second = pool.allocate();
  ASSERT_TRUE(pool.allocate());
  ASSERT_TRUE(pool.release(*second));
  EXPECT_EQ(*pool.allocate(), *second);
}

TEST(AsidPool, RejectsForeignAndDoubleReleases) {
  AsidPool pool(4);
  auto asid = pool.allocate();
  EXPECT_FALSE(pool.release(0));
  EXPECT_FALSE(pool.release(3));
  EXPECT_FALSE(pool.release(99));
  ASSERT_TRUE(pool.release(*asid));
  EXPECT_FALSE(pool.release(*asid));
}

TEST(AsidPool, LargeCountsAreCapped) {
  AsidPool pool(32768);
  for (uint32_t i = 1; i < AsidPool::kCapacity; ++i) ASSERT_TRUE(pool.allocate());
  EXPECT_FALSE(pool.allocate());
}

TEST(AsidPool, NoGuestAsidWhenOnlyTheHostHasOne) {
  AsidPool pool(1);
  EXPECT_FALSE(pool.allocate());
}

}  // namespace
}  // namespace godwit::x86::svm
