#include "drivers/virtio/pci_transport.h"

#include <gtest/gtest.h>

#include <vector>

#include "drivers/virtio/features.h"
#include "tests/unit/drivers/virtio/fake_virtio_device.h"
#include "tests/unit/drivers/virtio/fake_virtio_pci.h"

namespace godwit::virtio {
namespace {

using testing::FakeConfigSpace;
using testing::FakeMapper;
using testing::kAt;
using testing::qemu_like;

struct Fixture {
  Fixture() { qemu_like(config); }
  Expected<PciTransport> open() { return PciTransport::open(config, kAt, 8, mapper); }
  FakeConfigSpace config;
  FakeMapper mapper;
};

TEST(VirtioPciTransport, OpenResetsAndAcknowledges) {
  Fixture f;
  auto t = f.open();
  ASSERT_TRUE(t);
  EXPECT_EQ(f.mapper.common.status_writes,
            (std::vector<uint8_t>{0, status::kAcknowledge, status::kAcknowledge | status::kDriver}));
  EXPECT_EQ(f.config.read16(kAt, pci::reg::kCommand) & pci::command::kBusMaster, pci::command::kBusMaster);
}

TEST(VirtioPciTransport, ResetThatNeverFinishesIsATimeout) {
  Fixture f;
  f.mapper.common.reset_sticks = true;
  EXPECT_EQ(f.open().error(), Error::kTimeout);
}

TEST(VirtioPciTransport, UnmappableRegionIsUnsupported) {
  Fixture f;
  FakeConfigSpace::Function* fn = f.config.find(kAt);
  FakeConfigSpace::put32(*fn, 0x60 + 8, 0x1000);  // device config moved where nothing maps
  EXPECT_EQ(f.open().error(), Error::kUnsupported);
}

TEST(VirtioPciTransport, NegotiatesOfferedWantedFeaturesWithVersion1) {
  Fixture f;
  f.mapper.common.offered = kFeatureVersion1 | feature(5) | feature(16) | feature(15);
  auto t = f.open();
  ASSERT_TRUE(t);
  auto features = t->negotiate(feature(5) | feature(16) | feature(3), feature(5));
  ASSERT_TRUE(features);
  EXPECT_EQ(*features, kFeatureVersion1 | feature(5) | feature(16));
  EXPECT_EQ(f.mapper.common.accepted, *features) << "both feature words written";
  EXPECT_NE(t->device_status() & status::kFeaturesOk, 0);
  t->driver_ok();
  EXPECT_EQ(t->device_status(),
            status::kAcknowledge | status::kDriver | status::kFeaturesOk | status::kDriverOk);
}

TEST(VirtioPciTransport, LegacyOnlyFeaturesAreUnsupported) {
  Fixture f;
  f.mapper.common.offered = feature(5);  // no VERSION_1
  auto t = f.open();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->negotiate(feature(5), 0).error(), Error::kUnsupported);
  EXPECT_EQ(t->device_status() & status::kFeaturesOk, 0) << "FEATURES_OK never set";
}

TEST(VirtioPciTransport, DeviceRefusingFeaturesOkIsUnsupported) {
  Fixture f;
  f.mapper.common.refuse_features = true;
  auto t = f.open();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->negotiate(0, 0).error(), Error::kUnsupported);
  t->fail_device();
  EXPECT_NE(t->device_status() & status::kFailed, 0);
}

TEST(VirtioPciTransport, QueueSizesAreCappedAndMissingQueuesNotFound) {
  Fixture f;
  f.mapper.common.queues[0].size = 1024;
  f.mapper.common.queues[1].size = 100;
  auto t = f.open();
  ASSERT_TRUE(t);
  EXPECT_EQ(*t->queue_size(0), SplitVirtqueue::kMaxSize);
  EXPECT_EQ(*t->queue_size(1), 64) << "largest power of two the device allows";
  EXPECT_EQ(t->queue_size(2).error(), Error::kNotFound);
  f.mapper.common.queues[1].size = 0;
  EXPECT_EQ(t->queue_size(1).error(), Error::kNotFound);
}

TEST(VirtioPciTransport, EnableQueueProgramsAddressesAndTheDoorbell) {
  Fixture f;
  f.mapper.common.queues[1].notify_off = 1;
  auto t = f.open();
  ASSERT_TRUE(t);
  testing::QueueFixture q(64);
  auto bell = t->enable_queue(1, q.queue);
  ASSERT_TRUE(bell);
  const auto& programmed = f.mapper.common.queues[1];
  EXPECT_EQ(programmed.size, 64);
  EXPECT_EQ(programmed.desc, q.queue.descriptor_address());
  EXPECT_EQ(programmed.driver, q.queue.driver_address());
  EXPECT_EQ(programmed.device, q.queue.device_address());
  EXPECT_EQ(programmed.enable, 1);
  EXPECT_EQ(bell->offset(), 4u) << "queue_notify_off x notify_off_multiplier";
  bell->ring();
  ASSERT_EQ(f.mapper.notify.writes16.size(), 1u);
  EXPECT_EQ(f.mapper.notify.writes16[0], (std::pair<uint32_t, uint16_t>{4, 1}));
}

TEST(VirtioPciTransport, DoorbellOutsideTheNotifyRegionIsRejected) {
  Fixture f;
  f.mapper.common.queues[0].notify_off = 1024;  // 4096: past the 4 KiB region
  auto t = f.open();
  ASSERT_TRUE(t);
  testing::QueueFixture q(8);
  EXPECT_EQ(t->enable_queue(0, q.queue).error(), Error::kRange);
}

TEST(VirtioPciTransport, ReadsTheDeviceConfiguration) {
  Fixture f;
  f.mapper.device.bytes[0] = 0x52;
  f.mapper.device.bytes[6] = 1;  // status: link up
  auto t = f.open();
  ASSERT_TRUE(t);
  EXPECT_EQ(t->device_read8(0), 0x52);
  EXPECT_EQ(t->device_read16(6), 1);
}

}  // namespace
}  // namespace godwit::virtio
