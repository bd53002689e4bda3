// Every way a migration can fail before COMMIT: each must leave the source guest
// resumed and intact, and the destination's half-built guest discarded, so the guest
// runs on exactly one node. The commit itself is commit_protocol_test.cpp.
#include <gtest/gtest.h>

#include <cstring>

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

// VERIFIED never arrives: the source resumes after its timeout, and the destination,
// which never got COMMIT, discards its copy: the guest runs on exactly one node.
TEST(MigrationFailure, VerifiedTimeoutResumesTheSourceAndTheDestinationRunsNothing) {
  World world;
  world.drop_replies_after_challenge = true;  // VERIFIED (and the close after it) never arrive
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_TRUE(world.factory.guest->loaded);  // it was verified and loaded, and still never ran
  EXPECT_EQ(world.nodes_running(), 1);
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
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_EQ(world.nodes_running(), 1);
}

// The destination -> source stream: CHALLENGE (64 bytes, clear), then sealed VERIFIED at
// 64 and COMMITTED at 112 (48 bytes each).
constexpr uint64_t kVerifiedOffset = 64, kCommittedOffset = 112;

// Replaces VERIFIED on its way to the source by one sealed with this session's real
// destination -> source key (a peer that holds migrate_key but lies), or by `forge`'s bytes.
void replace_verified(World& world, const std::function<void(std::vector<uint8_t>&)>& forge) {
  world.tamper_replies = [forge](std::vector<uint8_t>& bytes, uint64_t offset) {
    if (offset > kVerifiedOffset || offset + bytes.size() < kVerifiedOffset + 48) return;
    std::vector<uint8_t> record(bytes.begin() + static_cast<long>(kVerifiedOffset - offset),
                                bytes.begin() + static_cast<long>(kVerifiedOffset - offset + 48));
    forge(record);
    std::copy(record.begin(), record.end(), bytes.begin() + static_cast<long>(kVerifiedOffset - offset));
  };
}

TEST(MigrationFailure, VerifiedWithAFlippedByteIsForgedAndTheGuestRunsOnTheSourceOnly) {
  World world;
  replace_verified(world, [](std::vector<uint8_t>& record) { record[20] ^= 1; });
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kRecordForged);
  EXPECT_EQ(world.nodes_running(), 1);
}

TEST(MigrationFailure, VerifiedWithAnotherDigestIsRejectedAndTheGuestRunsOnTheSourceOnly) {
  World world;
  SessionKeys keys = world.session_keys();
  replace_verified(world, [&keys](std::vector<uint8_t>& record) {
    CommitRecord verified{};
    std::memcpy(&verified, record.data() + sizeof(RecordHeader), sizeof(verified));
    verified.digest ^= 1;
    RecordSealer liar(keys.destination_to_source, Protection::kIntegrityOnly);
    ASSERT_EQ(encode_sealed(record, RecordType::kVerified, verified, liar), record.size());
  });
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kDigestMismatch);
  EXPECT_FALSE(world.sender->summary().digest_verified);
  EXPECT_EQ(world.nodes_running(), 1);
}

TEST(MigrationFailure, WrongKeyIsRefusedBeforeAnyGuestExists) {
  World world(std::vector<uint8_t>{'o', 't', 'h', 'e', 'r'});
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);  // HEADER does not open
  EXPECT_FALSE(world.receiver->authenticated());
  // The destination's NACK is sealed under its keys, which are not the source's.
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kRecordForged);
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

// Issue 15 item 5: bytes do not buy a stranger time. One byte a second, never a whole
// HELLO, and the receiver still gives up at its absolute deadline, sends nothing it
// could not seal, and closes.
TEST(MigrationFailure, AStrangerTricklingBytesIsCutOffAtAnAbsoluteDeadline) {
  World world;
  world.receiver->start();
  (void)world.to_source.take();  // the CHALLENGE
  const uint8_t byte = 0;
  int seconds = 0;
  for (; seconds < 60 && world.receiver->outcome() == MigrationReceiver::Outcome::kInProgress; ++seconds) {
    world.receiver->on_receive(std::span<const uint8_t>(&byte, 1));
    world.clock.now += 1'000'000'000;
    world.receiver->pump();
  }
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kFailed);
  EXPECT_EQ(world.receiver->failure().code, StreamError::kHandshakeTimeout);
  EXPECT_LE(seconds, 11);
  EXPECT_TRUE(world.to_source.take().empty());  // no keys: no NACK anyone could trust
  EXPECT_TRUE(world.to_source.closed);
  EXPECT_EQ(world.factory.guest, nullptr);
}

// The deadline holds after HELLO too: until a sealed HEADER opens, a peer that sends a
// valid HELLO and then trickles the start of a record gets no more time.
TEST(MigrationFailure, AHelloDoesNotExtendTheDeadline) {
  World world;
  world.receiver->start();
  world.sender->start();
  world.sender->on_receive(world.to_source.take());  // CHALLENGE
  world.sender->pump();
  std::vector<uint8_t> stream = world.to_destination.take();
  world.receiver->on_receive(std::span<const uint8_t>(stream.data(), 64 + 8));  // HELLO, 8 bytes of HEADER
  for (int i = 0; i < 20 && world.receiver->outcome() == MigrationReceiver::Outcome::kInProgress; ++i) {
    world.clock.now += 1'000'000'000;
    world.receiver->on_receive(std::span<const uint8_t>(stream.data() + 72 + i, 1));
    world.receiver->pump();
  }
  EXPECT_EQ(world.receiver->failure().code, StreamError::kHandshakeTimeout);
  EXPECT_FALSE(world.receiver->authenticated());
  EXPECT_EQ(world.factory.guest, nullptr);
}

// Before authentication nothing optional is taken, and nothing longer than a HEADER is
// buffered.
TEST(MigrationFailure, AStrangerGetsNoOptionalRecordsAndNoLargeBuffer) {
  World optional;
  optional.receiver->start();
  testing::StreamBuilder before_hello;
  before_hello.raw(static_cast<RecordType>(0x8000'0777), std::vector<uint8_t>(16, 0xab));
  optional.receiver->on_receive(before_hello.bytes);
  EXPECT_EQ(optional.receiver->failure().code, StreamError::kUnexpectedRecord);

  World large;
  large.receiver->start();
  large.sender->start();
  large.sender->on_receive(large.to_source.take());
  large.sender->pump();
  std::vector<uint8_t> stream = large.to_destination.take();
  RecordHeader big{static_cast<uint32_t>(RecordType::kPageBatch), 500'000, 0};
  std::memcpy(stream.data() + 64, &big, sizeof(big));  // where the sealed HEADER starts
  large.receiver->on_receive(stream);
  EXPECT_EQ(large.receiver->failure().code, StreamError::kRecordTooLong);
  EXPECT_EQ(large.receiver->failure().limit, sizeof(HeaderRecord));
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
