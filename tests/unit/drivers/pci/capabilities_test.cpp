#include "drivers/pci/capabilities.h"

#include <gtest/gtest.h>

#include "tests/unit/drivers/pci/fake_config_space.h"

namespace godwit::pci {
namespace {

using testing::FakeConfigSpace;

constexpr PciAddress kAt{0, 4, 0};

FakeConfigSpace::Function& with_list(FakeConfigSpace& config, uint8_t first) {
  auto& f = config.add(kAt, 0x1af4, 0x1041);
  FakeConfigSpace::put16(f, reg::kStatus, kStatusCapabilitiesList);
  f.bytes[reg::kCapabilitiesPointer] = first;
  return f;
}

void link(FakeConfigSpace::Function& f, uint8_t at, uint8_t id, uint8_t next) {
  f.bytes[at] = id;
  f.bytes[at + 1] = next;
}

TEST(Capabilities, WalksTheListInOrder) {
  FakeConfigSpace config;
  auto& f = with_list(config, 0x98);
  link(f, 0x98, kCapabilityMsix, 0x84);
  link(f, 0x84, kCapabilityVendor, 0x71);  // reserved low bits of the pointer ignored
  link(f, 0x70, kCapabilityVendor, 0x00);
  Capability caps[kMaxCapabilities];
  auto n = list_capabilities(config, kAt, caps);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 3u);
  EXPECT_EQ(caps[0].id, kCapabilityMsix);
  EXPECT_EQ(caps[0].offset, 0x98);
  EXPECT_EQ(caps[1].offset, 0x84);
  EXPECT_EQ(caps[2].offset, 0x70);
}

TEST(Capabilities, NoListWhenTheStatusBitIsClear) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x8086, 0x100e);
  f.bytes[reg::kCapabilitiesPointer] = 0x40;  // stale pointer, not announced
  Capability caps[kMaxCapabilities];
  auto n = list_capabilities(config, kAt, caps);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 0u);
}

TEST(Capabilities, RejectsALoop) {
  FakeConfigSpace config;
  auto& f = with_list(config, 0x40);
  link(f, 0x40, kCapabilityVendor, 0x50);
  link(f, 0x50, kCapabilityVendor, 0x40);
  Capability caps[kMaxCapabilities];
  EXPECT_EQ(list_capabilities(config, kAt, caps).error(), Error::kMalformed);
}

TEST(Capabilities, RejectsAPointerIntoTheHeader) {
  FakeConfigSpace config;
  auto& f = with_list(config, 0x40);
  link(f, 0x40, kCapabilityVendor, 0x10);
  Capability caps[kMaxCapabilities];
  EXPECT_EQ(list_capabilities(config, kAt, caps).error(), Error::kMalformed);
}

}  // namespace
}  // namespace godwit::pci
