// The guest's network card in the stream (NET_DEVICE, docs/migration-stream.md section
// 3): it travels with the guest when HEADER says kFeatureGuestNic, its form is checked by
// the decoder, and its device state by the destination, whose refusal is a NACK.
#include <gtest/gtest.h>

#include <cstring>

#include "kernel/vm/devices/virtio_net_state.h"
#include "tests/unit/migration/migration_world.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::decode_in_pieces;
using testing::make_header;
using testing::StreamBuilder;
using testing::World;

constexpr uint64_t kMemory = 2ull << 20;
constexpr uint8_t kMac[6] = {0x02, 0x67, 0x00, 0x00, 0x01, 0x05};

// A card as the VM layer captures it: a running driver's device state, encoded.
NetDeviceRecord make_nic() {
  NetDeviceRecord nic{};
  std::memcpy(nic.mac, kMac, 6);
  nic.prefix = 24;
  nic.ipv4[0] = 10, nic.ipv4[3] = 21;
  nic.state_size = kNetDeviceStateBytes;
  devices::VirtioNetState state;
  std::memcpy(state.mac.bytes, kMac, 6);
  state.status = 0xf;  // ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK
  state.driver_features = devices::kVirtioNetOffered;
  for (auto& queue : state.queues) queue.size = 8, queue.ready = true;
  state.queues[0].descriptors = 0x10000, state.queues[0].driver = 0x10080, state.queues[0].device = 0x11000;
  state.queues[1].descriptors = 0x12000, state.queues[1].driver = 0x12080, state.queues[1].device = 0x13000;
  state.queues[0].next_used = 7, state.queues[1].next_avail = 3;
  if (!devices::encode_virtio_net_state(state, nic.state)) throw std::logic_error("encode failed");
  return nic;
}

TEST(NetDeviceMigration, TheCardTravelsWithTheGuestAndIsLoadedBeforeItStarts) {
  World world;
  world.source.nic = make_nic();
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded)
      << to_string(world.sender->summary().failure.code);
  EXPECT_NE(world.receiver->header().backend_features & kFeatureGuestNic, 0u);
  ASSERT_TRUE(world.factory.guest->nic_loaded);
  EXPECT_TRUE(world.factory.guest->started);
  NetDeviceRecord sent = make_nic();
  EXPECT_EQ(std::memcmp(&world.factory.guest->nic, &sent, sizeof sent), 0);
  EXPECT_TRUE(world.memory_identical());
}

TEST(NetDeviceMigration, AGuestWithoutACardSendsNoneAndHeaderSaysSo) {
  World world;
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  EXPECT_EQ(world.receiver->header().backend_features & kFeatureGuestNic, 0u);
  EXPECT_FALSE(world.factory.guest->nic_loaded);
}

TEST(NetDeviceMigration, AMalformedDeviceStateIsRefusedAndTheSourceResumes) {
  World world;
  NetDeviceRecord nic = make_nic();
  nic.state[0] = 99;  // a version no node speaks
  world.source.nic = nic;
  world.run();
  EXPECT_EQ(world.sender->summary().outcome, MigrationOutcome::kFailed);
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kPeerRefused);
  world.expect_source_resumed();
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->started);
  EXPECT_FALSE(world.factory.guest->nic_loaded);
}

TEST(NetDeviceMigration, AnImpossibleQueueSizeInTheDeviceStateIsRefused) {
  World world;
  NetDeviceRecord nic = make_nic();
  devices::VirtioNetState state = *devices::decode_virtio_net_state(nic.state);
  state.queues[0].size = 6;  // not a power of two
  ASSERT_TRUE(devices::encode_virtio_net_state(state, nic.state));
  world.source.nic = nic;
  world.run();
  EXPECT_EQ(world.sender->summary().outcome, MigrationOutcome::kFailed);
  world.expect_source_resumed();
  EXPECT_FALSE(world.factory.guest->started);
}

// Post-copy and hybrid (decision 0024): the card's state travels with the vCPU's before
// POSTCOPY_SWITCH and is loaded at the switch, before GO starts the guest. Before, the
// destination refused it (kUnsupportedFeature) and the guest stayed on the source.
TEST(NetDeviceMigration, TheCardMovesInPostcopyAndHybridAndIsLoadedBeforeGo) {
  for (MigrationMode mode : {MigrationMode::kPostcopy, MigrationMode::kHybrid}) {
    SCOPED_TRACE(to_string(mode));
    World world;
    world.sender_config.mode = mode;
    world.rebuild_sender();
    world.source.nic = make_nic();
    world.run();
    const MigrationSummary& summary = world.sender->summary();
    ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
    EXPECT_TRUE(summary.switched);
    EXPECT_TRUE(world.receiver->stats().postcopy);
    ASSERT_TRUE(world.factory.guest->nic_loaded);
    EXPECT_TRUE(world.factory.guest->nic_loaded_at_start);
    NetDeviceRecord sent = make_nic();
    EXPECT_EQ(std::memcmp(&world.factory.guest->nic, &sent, sizeof sent), 0);
    EXPECT_TRUE(world.memory_identical());
  }
}

TEST(NetDeviceMigration, APostcopyCardTheDestinationRefusesLeavesTheGuestOnTheSource) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.rebuild_sender();
  NetDeviceRecord nic = make_nic();
  nic.state[0] = 99;  // a version no node speaks: refused at the switch, before READY
  world.source.nic = nic;
  world.run();
  EXPECT_EQ(world.sender->summary().outcome, MigrationOutcome::kFailed);
  EXPECT_FALSE(world.sender->summary().switched);
  world.expect_source_resumed();
  EXPECT_FALSE(world.factory.guest->started);
}

// --- the decoder: where NET_DEVICE may stand and what form it must have ---

// HEADER (with `features`), CPUID, every page, VCPU_STATE, DEVICE_STATE, then `nic`
// records, then END.
std::vector<uint8_t> stream_with(uint32_t features, const std::vector<NetDeviceRecord>& nics) {
  StreamBuilder stream;
  auto header = make_header(kMemory);
  header.backend_features = features;
  stream.record(RecordType::kHeader, header);
  stream.record(RecordType::kCpuid, testing::make_cpuid());
  std::vector<std::pair<uint64_t, const uint8_t*>> pages;
  for (uint64_t gfn = 0; gfn < kMemory / kPageSize; ++gfn) pages.push_back({gfn, nullptr});
  stream.batch(pages);
  VcpuStateRecord vcpu{};
  vcpu.state_size = sizeof(x86::VcpuState);
  stream.record(RecordType::kVcpuState, vcpu);
  stream.record(RecordType::kDeviceState, DeviceState{});
  for (const auto& nic : nics) stream.record(RecordType::kNetDevice, nic);
  stream.record(RecordType::kEnd, EndRecord{kMemory / kPageSize, 0});
  return stream.bytes;
}

constexpr uint32_t kWithNic = kFeatureGuestCpuid | kFeatureGuestNic;

TEST(NetDeviceStream, ARecordInItsPlaceIsDecoded) {
  auto outcome = decode_in_pieces(stream_with(kWithNic, {make_nic()}), {100, 7, 3000});
  EXPECT_TRUE(outcome.fault.ok()) << testing::describe(outcome.fault);
  ASSERT_GE(outcome.records.size(), 2u);
  EXPECT_EQ(outcome.records[outcome.records.size() - 2], RecordType::kNetDevice);
}

TEST(NetDeviceStream, TheFeatureWithoutTheRecordIsRefusedAtEnd) {
  auto outcome = decode_in_pieces(stream_with(kWithNic, {}), {});
  EXPECT_EQ(outcome.fault.code, StreamError::kUnexpectedRecord);
  EXPECT_EQ(outcome.fault.record_type, static_cast<uint32_t>(RecordType::kEnd));
}

TEST(NetDeviceStream, TheRecordWithoutTheFeatureOrTwiceIsRefused) {
  EXPECT_EQ(decode_in_pieces(stream_with(kFeatureGuestCpuid, {make_nic()}), {}).fault.code,
            StreamError::kUnexpectedRecord);
  EXPECT_EQ(decode_in_pieces(stream_with(kWithNic, {make_nic(), make_nic()}), {}).fault.code,
            StreamError::kUnexpectedRecord);
}

TEST(NetDeviceStream, AMalformedRecordIsRefusedByField) {
  auto refused = [](void (*spoil)(NetDeviceRecord&)) {
    NetDeviceRecord nic = make_nic();
    spoil(nic);
    return decode_in_pieces(stream_with(kWithNic, {nic}), {}).fault.code;
  };
  EXPECT_EQ(refused([](NetDeviceRecord& n) { n.reserved0 = 1; }), StreamError::kNonZeroReserved);
  EXPECT_EQ(refused([](NetDeviceRecord& n) { n.prefix = 0; }), StreamError::kBadHeaderField);
  EXPECT_EQ(refused([](NetDeviceRecord& n) { n.prefix = 33; }), StreamError::kBadHeaderField);
  EXPECT_EQ(refused([](NetDeviceRecord& n) { n.mac[0] |= 1; }), StreamError::kBadHeaderField);  // multicast
  EXPECT_EQ(refused([](NetDeviceRecord& n) { std::memset(n.mac, 0, 6); }), StreamError::kBadHeaderField);
  EXPECT_EQ(refused([](NetDeviceRecord& n) { n.state_size = 96; }), StreamError::kBadHeaderField);
}

TEST(NetDeviceStream, ARecordOfTheWrongLengthIsRefusedBeforeItsBody) {
  auto bytes = stream_with(kWithNic, {});
  StreamBuilder shorter;
  shorter.raw(RecordType::kNetDevice, std::vector<uint8_t>(sizeof(NetDeviceRecord) - 8));
  // Put the short record where NET_DEVICE belongs: before END.
  size_t end_size = record_size(sizeof(EndRecord));
  bytes.insert(bytes.end() - static_cast<std::ptrdiff_t>(end_size), shorter.bytes.begin(),
               shorter.bytes.end());
  EXPECT_EQ(decode_in_pieces(bytes, {}).fault.code, StreamError::kBadRecordLength);
}

}  // namespace
}  // namespace godwit::migration
