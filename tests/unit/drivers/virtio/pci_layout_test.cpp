#include "drivers/virtio/pci_layout.h"

#include <gtest/gtest.h>

#include "drivers/pci/capabilities.h"
#include "drivers/virtio/features.h"
#include "tests/unit/drivers/pci/fake_config_space.h"
#include "tests/unit/drivers/virtio/fake_virtio_pci.h"

namespace godwit::virtio {
namespace {

using pci::testing::FakeConfigSpace;
using testing::kAt;
using testing::put_cap;
using testing::qemu_like;

TEST(VirtioPciLayout, FindsTheFourStructures) {
  FakeConfigSpace config;
  qemu_like(config);
  auto layout = read_layout(config, kAt);
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->common.bar, 4);
  EXPECT_EQ(layout->isr.offset, 0x1000u);
  EXPECT_EQ(layout->device.offset, 0x2000u);
  EXPECT_EQ(layout->notify.offset, 0x3000u);
  EXPECT_EQ(layout->notify_off_multiplier, 4u);
  pci::Bar bars[pci::kBarCount];
  ASSERT_TRUE(pci::read_bars(config, kAt, bars));
  EXPECT_TRUE(check_layout(*layout, bars, 56, 8));
}

TEST(VirtioPciLayout, UsesTheFirstCapabilityOfEachType) {
  FakeConfigSpace config;
  auto& f = qemu_like(config);
  f.bytes[0x49] = 0xb0;  // a second common configuration after the notify capability
  put_cap(f, 0xb0, 0x00, CfgType::kCommon, 4, 0x3800, 0x100);
  auto layout = read_layout(config, kAt);
  ASSERT_TRUE(layout);
  EXPECT_EQ(layout->common.offset, 0u);
}

TEST(VirtioPciLayout, LegacyOnlyDeviceIsUnsupported) {
  FakeConfigSpace config;
  auto& f = config.add(kAt, 0x1af4, 0x1000, 0x02);
  FakeConfigSpace::put16(f, pci::reg::kStatus, pci::kStatusCapabilitiesList);
  f.bytes[pci::reg::kCapabilitiesPointer] = 0x40;
  f.bytes[0x40] = pci::kCapabilityMsix;
  EXPECT_EQ(read_layout(config, kAt).error(), Error::kUnsupported);
}

TEST(VirtioPciLayout, RejectsMalformedCapabilities) {
  {
    FakeConfigSpace config;
    auto& f = qemu_like(config);
    f.bytes[0x84 + 4] = 6;  // BAR 6 does not exist
    EXPECT_EQ(read_layout(config, kAt).error(), Error::kMalformed);
  }
  {
    FakeConfigSpace config;
    auto& f = qemu_like(config);
    f.bytes[0x48 + 2] = 16;  // notify capability without its multiplier
    EXPECT_EQ(read_layout(config, kAt).error(), Error::kMalformed);
  }
}

TEST(VirtioPciLayout, RegionsMustLieInsideAMemoryBar) {
  FakeConfigSpace config;
  auto& f = qemu_like(config);
  FakeConfigSpace::put32(f, 0x60 + 12, 0x2001);  // device config runs past the 16 KiB BAR
  auto layout = read_layout(config, kAt);
  ASSERT_TRUE(layout);
  pci::Bar bars[pci::kBarCount];
  ASSERT_TRUE(pci::read_bars(config, kAt, bars));
  EXPECT_EQ(check_layout(*layout, bars, 56, 8).error(), Error::kRange);
  bars[4] = pci::Bar{};
  EXPECT_EQ(check_layout(*layout, bars, 56, 8).error(), Error::kRange);
}

TEST(VirtioPciLayout, ShortCommonConfigurationIsTruncated) {
  FakeConfigSpace config;
  auto& f = qemu_like(config);
  FakeConfigSpace::put32(f, 0x84 + 12, 40);
  auto layout = read_layout(config, kAt);
  ASSERT_TRUE(layout);
  pci::Bar bars[pci::kBarCount];
  ASSERT_TRUE(pci::read_bars(config, kAt, bars));
  EXPECT_EQ(check_layout(*layout, bars, 56, 8).error(), Error::kTruncated);
}

TEST(VirtioPciLayout, NotifyOffsetStaysInsideTheRegion) {
  PciLayout layout;
  layout.notify = Region{4, 0x3000, 0x1000};
  layout.notify_off_multiplier = 4;
  EXPECT_EQ(*notify_offset(layout, 1), 4u);
  EXPECT_EQ(*notify_offset(layout, 1023), 4092u);
  EXPECT_EQ(notify_offset(layout, 1024).error(), Error::kRange);
  layout.notify_off_multiplier = 0xffffffff;
  EXPECT_EQ(notify_offset(layout, 0xffff).error(), Error::kRange);
}

TEST(VirtioFeatures, AcceptsOfferedWantedAndRequiresRequired) {
  uint64_t offered = kFeatureVersion1 | feature(5) | feature(16) | feature(15);
  auto chosen = choose_features(offered, feature(5) | feature(16) | feature(3), kFeatureVersion1);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(*chosen, kFeatureVersion1 | feature(5) | feature(16));
  EXPECT_EQ(choose_features(feature(5), feature(5), kFeatureVersion1).error(), Error::kUnsupported);
}

}  // namespace
}  // namespace godwit::virtio
