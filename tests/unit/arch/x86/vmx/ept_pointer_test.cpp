#include "arch/x86/vmx/ept_pointer.h"

#include <gtest/gtest.h>

namespace godwit::x86::vmx {
namespace {

TEST(EptPointer, WriteBackFourLevelWalkWithoutAccessedDirty) {
  EXPECT_EQ(make_eptp(0x12'3456'7000), 0x12'3456'701Eull);
  EXPECT_EQ(make_eptp(0x1000) & 0x7, 6u);         // memory type WB
  EXPECT_EQ((make_eptp(0x1000) >> 3) & 0x7, 3u);  // walk length 4 - 1
  EXPECT_EQ(make_eptp(0x1000) & (1u << 6), 0u);   // A/D flags off
}

// Bit 6 (Vol. 3C 29.3.5), on while page-modification logging tracks the guest.
TEST(EptPointer, AccessedDirtyFlagsOnRequest) {
  EXPECT_EQ(make_eptp(0x12'3456'7000, true), 0x12'3456'705Eull);
  EXPECT_EQ(make_eptp(0x1000, true) & ~uint64_t{1u << 6}, make_eptp(0x1000));
}

TEST(EptPointer, KeepsOnlyTheAddressBitsOfTheRoot) {
  EXPECT_EQ(make_eptp(0xFFF0'0000'0000'1FFFull), 0x0000'0000'0000'101Eull);
}

}  // namespace
}  // namespace godwit::x86::vmx
