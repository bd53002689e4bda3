#include "drivers/pci/enumerate.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/pci/fake_config_space.h"

namespace godwit::pci {
namespace {

using testing::FakeConfigSpace;

TEST(Enumerate, FindsFunctionsOnAnyBusAndOnlyScansMultiFunctionDevices) {
  FakeConfigSpace config;
  config.add({0, 0, 0}, 0x8086, 0x1237, 0x06, 0x00);
  config.add({0, 1, 0}, 0x8086, 0x7000, 0x06, 0x01, 0x80);  // multi-function
  config.add({0, 1, 1}, 0x8086, 0x7010, 0x01, 0x01);
  config.add({0, 3, 0}, 0x1af4, 0x1041, 0x02, 0x00);
  config.add({0, 3, 2}, 0x1111, 0x2222);  // device 3 is single-function: not scanned
  config.add({7, 31, 0}, 0x8086, 0x100e, 0x02, 0x00);
  PciFunction found[8];
  ASSERT_EQ(enumerate(config, found), 5u);
  EXPECT_EQ(found[2].device, 0x7010);
  EXPECT_EQ(found[2].address.function, 1);
  EXPECT_EQ(found[2].class_code, 0x01);
  EXPECT_EQ(found[3].vendor, 0x1af4);
  EXPECT_EQ(found[3].class_code, 0x02);
  EXPECT_EQ(found[4].address.bus, 7);
  EXPECT_EQ(found[4].address.device, 31);
}

TEST(Enumerate, CountsWhatDoesNotFit) {
  FakeConfigSpace config;
  for (uint8_t d = 0; d < 5; ++d) config.add({0, d, 0}, 0x1234, d);
  PciFunction found[2];
  EXPECT_EQ(enumerate(config, found), 5u);
  EXPECT_EQ(found[1].device, 1);
}

TEST(Enumerate, EnableDeviceSetsDecodingBusMasterAndMasksIntx) {
  FakeConfigSpace config;
  config.add({0, 3, 0}, 0x8086, 0x100e);
  enable_device(config, {0, 3, 0});
  EXPECT_EQ(config.read16({0, 3, 0}, reg::kCommand), 0x0407);
}

TEST(Enumerate, FormatsAddresses) {
  FixedString<16> text;
  format_address(text.sink(), {0, 0x1f, 3});
  EXPECT_EQ(text.view(), "00:1f.3");
}

}  // namespace
}  // namespace godwit::pci
