#include "arch/x86/paging/second_level_entry.h"

#include <gtest/gtest.h>

namespace godwit::x86 {
namespace {

using namespace second_level;

TEST(SecondLevelEntry, EptLeafCarriesPermissionsAndWriteBack) {
  uint64_t e = leaf_entry(PagingFormat::kEpt, 0x12345000, kAccessRead | kAccessWrite);
  EXPECT_EQ(e, 0x12345000u | kEptRead | kEptWrite | (6u << 3));
  EXPECT_EQ(permissions(PagingFormat::kEpt, e), kAccessRead | kAccessWrite);
  EXPECT_EQ(address(e), 0x12345000u);
}

TEST(SecondLevelEntry, NptLeafIsUserAndReadOnlyWithoutWrite) {
  uint64_t e = leaf_entry(PagingFormat::kNpt, 0x7000, kAccessRead | kAccessExecute);
  EXPECT_EQ(e, 0x7000u | kNptPresent | kNptUser);
  EXPECT_EQ(permissions(PagingFormat::kNpt, e), kAccessRead | kAccessExecute);
  uint64_t w = leaf_entry(PagingFormat::kNpt, 0x7000, kAccessAll);
  EXPECT_EQ(w & kNptWritable, kNptWritable);
}

TEST(SecondLevelEntry, TablesGrantEverythingAndNptTablesAreUser) {
  EXPECT_EQ(table_entry(PagingFormat::kEpt, 0x9000) & 7, 7u);
  EXPECT_EQ(table_entry(PagingFormat::kNpt, 0x9000), 0x9000u | 7u);
}

TEST(SecondLevelEntry, WriteWithoutReadMapsNothing) {
  EXPECT_EQ(leaf_entry(PagingFormat::kEpt, 0x1000, kAccessWrite), 0u);
  EXPECT_FALSE(present(PagingFormat::kNpt, leaf_entry(PagingFormat::kNpt, 0x1000, kAccessWrite)));
}

TEST(SecondLevelEntry, AddressIgnoresHighFlagBits) {
  EXPECT_EQ(address(0x8000'0000'1234'5007ull), 0x1234'5000u);
}

}  // namespace
}  // namespace godwit::x86
