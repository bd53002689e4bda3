// Every way a migration can fail before the ACK: each must leave the source guest
// resumed and intact, and the destination's half-built guest discarded.
#include <gtest/gtest.h>

#include <cstring>

#include "migration/stream_auth.h"
#include "tests/unit/migration/migration_world.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::dirtier;
using testing::kKey;
using testing::kPages;
using testing::World;

TEST(MigrationFailure, BrokenChannelMidRoundResumesTheSource) {
  World world;
  world.guest = dirtier(world, 2, kPages);
  auto before = world.source.memory;
  std::function<void()> guest = world.guest;
  world.guest = [&]() {
    guest();
    before = world.source.memory;  // what the guest itself made of its memory
    if (world.to_destination.written > 1'000'000) world.to_destination.broken = true;
  };
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kChannelFailed);
  EXPECT_EQ(world.source.memory, before);  // intact
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kFailed);
  EXPECT_EQ(world.receiver->failure().code, StreamError::kTruncated);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->started);
}

TEST(MigrationFailure, NackFromARefusingDestinationResumesTheSource) {
  World world;
  world.factory.refuse = true;
  world.run();
  world.expect_source_resumed();
  const StreamFault& failure = world.sender->summary().failure;
  EXPECT_EQ(failure.code, StreamError::kPeerRefused);
  EXPECT_EQ(static_cast<StreamError>(failure.value), StreamError::kGuestRefused);
  EXPECT_EQ(testing::describe(failure),
            "destination refused the migration: guest could not be created or loaded (detail 0x3)");
}

TEST(MigrationFailure, ACpuModelTheDestinationCannotPresentIsRefusedBeforeAnyPage) {
  World world;
  world.factory.refuse_cpuid = true;
  world.run();
  world.expect_source_resumed();
  const StreamFault& failure = world.sender->summary().failure;
  EXPECT_EQ(failure.code, StreamError::kPeerRefused);
  EXPECT_EQ(static_cast<StreamError>(failure.value), StreamError::kCpuModelRefused);
  EXPECT_EQ(testing::describe(failure),
            "destination refused the migration: this node cannot present the guest's CPU model (detail "
            "0x100002000)");
  EXPECT_EQ(world.receiver->failure().code, StreamError::kCpuModelRefused);
  EXPECT_EQ(world.receiver->stats().pages_received, 0u);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->loaded);
}

// A write the destination's VM layer lost after the copy: only verify mode's full
// comparison of the assembled memory can see it.
TEST(MigrationFailure, VerifyModeCatchesAPageTheDestinationLostAndTheSourceResumes) {
  World world;
  world.sender_config.verify = true;
  world.rebuild_sender();
  world.factory.corrupt_gfn = 300;
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kDigestMismatch);
  EXPECT_EQ(static_cast<StreamError>(world.sender->summary().failure.value), StreamError::kDigestMismatch);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->loaded);
}

TEST(MigrationFailure, DestinationOutOfFramesMidStreamResumesTheSource) {
  World world;
  world.factory.no_frame_gfn = 700;
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kGuestRefused);
  EXPECT_EQ(world.receiver->failure().value, static_cast<uint64_t>(Error::kOutOfMemory));
  EXPECT_TRUE(world.factory.guest->discarded);
}

TEST(MigrationFailure, StateRefusedByTheDestinationResumesTheSource) {
  World world;
  world.factory.refuse_state = true;
  world.run();
  world.expect_source_resumed();
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->started);
}

// The failure came after the pause: the summary tells how long the guest stood still,
// up to the step that failed (the wait for the ACK), not 0.
TEST(MigrationFailure, AFailureAfterThePauseReportsThePauseItCaused) {
  World world;
  world.factory.refuse_state = true;
  world.run();
  const MigrationSummary& s = world.sender->summary();
  ASSERT_EQ(s.outcome, MigrationOutcome::kFailed);
  EXPECT_GT(s.downtime_ns, 0u);
  EXPECT_GT(s.pause.ack_ns, 0u);  // the step in progress when the NACK came
  EXPECT_EQ(s.pause.release_ns, 0u);
  EXPECT_EQ(s.downtime_ns,
            s.pause.final_pages_ns + s.pause.state_ns + s.pause.verify_ns + s.pause.end_ns + s.pause.ack_ns);
}

TEST(MigrationFailure, AFailureBeforeThePauseReportsNoPause) {
  World world;
  world.factory.no_frame_gfn = 700;  // refused during round 0
  world.run();
  EXPECT_EQ(world.sender->summary().downtime_ns, 0u);
}

TEST(MigrationFailure, AckTimeoutResumesTheSource) {
  World world;
  world.drop_replies_after_challenge = true;  // the ACK (and the close after it) never arrive
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
}

TEST(MigrationFailure, CorruptedStreamByteIsRejectedByTheReceiver) {
  World world;
  world.tamper = [](std::vector<uint8_t>& bytes, uint64_t offset_of_first) {
    uint64_t target = 200'000;  // inside round 0's page batches
    if (offset_of_first <= target && target < offset_of_first + bytes.size())
      bytes[target - offset_of_first] ^= 0x40;
  };
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kChecksumMismatch);
  EXPECT_TRUE(world.factory.guest->discarded);
}

// Replaces an ACK on its way to the source by one made with `forge`, with a valid
// record checksum, so only the sender's own ACK checks can catch it.
void forge_ack(World& world, const std::function<void(AckRecord&)>& forge) {
  world.tamper_replies = [forge](std::vector<uint8_t>& bytes) {
    RecordHeader header{};
    if (bytes.size() != record_size(sizeof(AckRecord))) return;
    std::memcpy(&header, bytes.data(), sizeof(header));
    if (header.type != static_cast<uint32_t>(RecordType::kAck)) return;
    AckRecord ack{};
    std::memcpy(&ack, bytes.data() + sizeof(header), sizeof(ack));
    forge(ack);
    ASSERT_EQ(encode_record(bytes, RecordType::kAck, ack), bytes.size());
  };
}

TEST(MigrationFailure, AckWithABadMacIsRejectedAndTheSourceResumes) {
  World world;
  forge_ack(world, [](AckRecord& ack) { ack.mac[5] ^= 1; });
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kAuthenticationFailed);
}

TEST(MigrationFailure, AckWithAnotherDigestIsRejectedAndTheSourceResumes) {
  World world;
  const uint8_t(&nonce)[kNonceSize] = world.receiver_config.nonce;
  forge_ack(world, [&nonce](AckRecord& ack) {
    ack.digest ^= 1;
    Sha256Digest mac = ack_mac(kKey, nonce, ack);  // a peer that knows the key but lies
    std::memcpy(ack.mac, mac.bytes, sizeof(ack.mac));
  });
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kDigestMismatch);
  EXPECT_FALSE(world.sender->summary().digest_verified);
}

TEST(MigrationFailure, WrongKeyIsRefusedBeforeAnyGuestExists) {
  World world(std::vector<uint8_t>{'o', 't', 'h', 'e', 'r'});
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kAuthenticationFailed);
  EXPECT_EQ(static_cast<StreamError>(world.sender->summary().failure.value),
            StreamError::kAuthenticationFailed);
  EXPECT_EQ(world.factory.guest, nullptr);
}

TEST(MigrationFailure, DirtyTrackingFailureEndsCleanly) {
  World world;
  world.source.fail_tracking = true;
  world.run();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kSourceFailed);
  EXPECT_FALSE(world.source.paused);
  EXPECT_FALSE(world.source.released);
}

TEST(MigrationFailure, SilentDestinationTimesOut) {
  World world;
  world.sender->start();
  for (int i = 0; i < 12; ++i) {  // 12 s of nothing
    world.clock.now += 1'000'000'000;
    world.sender->pump();
  }
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_FALSE(world.source.resumed);  // tracking never began: nothing to undo
}

TEST(MigrationFailure, StalledSendWindowTimesOutAndResumesTheSource) {
  World world;
  world.guest = [&]() {
    if (world.to_destination.written > 500'000) world.to_destination.window = 0;  // the peer stops reading
  };
  world.run(15000);
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_TRUE(world.factory.guest->discarded);
}

TEST(MigrationFailure, IdleReceiverTimesOutAndSaysWhy) {
  World world;
  world.receiver->start();
  (void)world.to_source.take();  // the CHALLENGE
  world.clock.now += 31'000'000'000;
  world.receiver->pump();
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kFailed);
  EXPECT_EQ(world.receiver->failure().code, StreamError::kTimeout);
  std::vector<uint8_t> nack = world.to_source.take();
  ASSERT_EQ(nack.size(), record_size(sizeof(NackRecord)));
  NackRecord body;
  std::memcpy(&body, nack.data() + sizeof(RecordHeader), sizeof(body));
  EXPECT_EQ(static_cast<StreamError>(body.reason), StreamError::kTimeout);
  EXPECT_TRUE(world.to_source.closed);
}

// A 1 GiB guest took the destination more than 10 s to build under TCG: the source's
// stall limit must leave room for that, and grow no faster than the guest.
TEST(StallTimeout, GrowsWithTheGuestsMemory) {
  constexpr uint64_t base = SenderConfig{}.stall_timeout_ns;
  EXPECT_EQ(stall_timeout_for(0, base), base);
  EXPECT_GE(stall_timeout_for(1ull << 30, base), base + 20'000'000'000ull);
  EXPECT_LT(stall_timeout_for(8ull << 20, base), base + 1'000'000'000ull);
}

}  // namespace
}  // namespace godwit::migration
