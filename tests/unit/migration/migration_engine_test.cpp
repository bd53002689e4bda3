// MigrationSender and MigrationReceiver driven against each other through in-memory
// channels and fake guests: a test of the two state machines (the real migration runs
// between two emulated machines over TCP). Each step of the loop is one millisecond:
// both sides pump, the link delivers what was written, the source guest (when it runs)
// writes some pages.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <stdexcept>

#include "migration/migration_receiver.h"
#include "migration/migration_sender.h"
#include "tests/unit/migration/migration_fakes.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration {
namespace {

using testing::FakeChannel;
using testing::FakeClock;
using testing::FakeFactory;
using testing::FakeSource;

constexpr uint64_t kPages = 1024;  // a 4 MiB guest
const std::vector<uint8_t> kKey{'s', 'e', 'c', 'r', 'e', 't'};

class Recorder final : public MigrationObserver {
 public:
  std::vector<RoundStats> rounds;
  int finished = 0;
  void on_round(const RoundStats& round) override { rounds.push_back(round); }
  void on_finished(const MigrationSummary&) override { ++finished; }
};

struct World {
  explicit World(std::vector<uint8_t> receiver_key = kKey)
      : source(kPages),
        record_buffer(record_size(kMaxRecordBody)),
        send_set(DirtyLog::words_for(kPages)),
        body_buffer(kMaxRecordBody),
        coverage(DirtyLog::words_for(kPages)),
        destination_key(std::move(receiver_key)) {
    sender_config.key = kKey;
    sender_config.guest_name = "dirtier";
    sender_config.command_line = "rate=100";
    sender_config.backend_name = "AMD-V";
    sender_config.policy.downtime_target_ns = 20'000'000;  // 20 ms: ~1.3 MB at 64 MB/s
    sender_config.ack_timeout_ns = 2'000'000'000;
    receiver_config.key = destination_key;
    for (size_t i = 0; i < kNonceSize; ++i) receiver_config.nonce[i] = static_cast<uint8_t>(i * 31 + 7);
    sender = std::make_unique<MigrationSender>(sender_config, source, to_destination, clock, record_buffer,
                                               send_set, &recorder);
    receiver = std::make_unique<MigrationReceiver>(receiver_config, factory, to_source, clock, body_buffer,
                                                   coverage);
  }

  // Runs until the sender has finished (or `max_steps`), then lets the receiver see the
  // connection close. `guest` runs once per step while the source guest is running.
  void run(int max_steps = 20000) {
    receiver->start();
    sender->start();
    for (int step = 0; step < max_steps && !sender->finished(); ++step) {
      to_destination.refill();
      to_source.refill();
      sender->pump();
      deliver(to_destination, [&](std::span<const uint8_t> b) { receiver->on_receive(b); });
      if (to_destination.closed && !receiver_saw_close) close_receiver();
      receiver->pump();
      deliver(to_source, [&](std::span<const uint8_t> b) { sender->on_receive(b); });
      if (to_source.closed && !sender->finished() && !drop_replies_after_challenge)
        sender->on_channel_closed();
      if (!source.paused && !source.released && guest) guest();
      clock.now += 1'000'000;
    }
    deliver(to_destination, [&](std::span<const uint8_t> b) { receiver->on_receive(b); });
    if (!receiver_saw_close) close_receiver();
  }

  void close_receiver() {
    receiver_saw_close = true;
    receiver->on_channel_closed();
  }

  // Delivers in irregular pieces, as TCP would; `tamper` may change bytes on the way.
  void deliver(FakeChannel& channel, const std::function<void(std::span<const uint8_t>)>& to) {
    std::vector<uint8_t> bytes = channel.take();
    if (&channel == &to_destination && tamper) tamper(bytes, delivered_to_destination);
    if (&channel == &to_source && drop_replies_after_challenge && delivered_to_source >= 64) bytes.clear();
    size_t at = 0;
    while (at < bytes.size()) {
      size_t piece = 1 + random() % 3000;
      if (piece > bytes.size() - at) piece = bytes.size() - at;
      to(std::span<const uint8_t>(bytes.data() + at, piece));
      at += piece;
    }
    (&channel == &to_destination ? delivered_to_destination : delivered_to_source) += bytes.size();
  }

  bool memory_identical() const { return factory.guest && factory.guest->memory == source.memory; }

  // The source was left exactly as a guest that was never migrated.
  void expect_source_resumed() const {
    EXPECT_TRUE(source.resumed);
    EXPECT_FALSE(source.paused);
    EXPECT_FALSE(source.released);
    EXPECT_FALSE(source.tracking_on);
    EXPECT_EQ(sender->summary().outcome, MigrationOutcome::kFailed);
  }

  FakeClock clock;
  FakeChannel to_destination, to_source;
  FakeSource source;
  FakeFactory factory;
  Recorder recorder;
  std::vector<uint8_t> record_buffer;
  std::vector<uint64_t> send_set;
  std::vector<uint8_t> body_buffer;
  std::vector<uint64_t> coverage;
  std::vector<uint8_t> destination_key;
  SenderConfig sender_config;
  ReceiverConfig receiver_config;
  std::unique_ptr<MigrationSender> sender;
  std::unique_ptr<MigrationReceiver> receiver;
  std::function<void()> guest;
  std::function<void(std::vector<uint8_t>&, uint64_t)> tamper;
  bool drop_replies_after_challenge = false;
  bool receiver_saw_close = false;
  uint64_t delivered_to_destination = 0, delivered_to_source = 0;
  std::mt19937_64 random{7};
};

// A QEMU-migration-test-like guest: increments one byte in `pages_per_ms` pages of
// its working set each millisecond, so every page keeps changing.
std::function<void()> dirtier(World& world, uint64_t pages_per_ms, uint64_t working_set) {
  return [&world, pages_per_ms, working_set, next = uint64_t{0}]() mutable {
    for (uint64_t i = 0; i < pages_per_ms; ++i, ++next) {
      uint64_t gfn = (next * 7919) % working_set;
      uint8_t old = world.source.memory[gfn * kPageSize + 100];
      world.source.guest_write(gfn, 100, static_cast<uint8_t>(old + 1));
    }
  };
}

TEST(MigrationEngine, DirtyingGuestArrivesIdenticalAndConverges) {
  World world;
  world.sender_config.policy.downtime_target_ns = 2'000'000;  // 2 ms: ~30 pages at 64 MB/s
  world.sender =
      std::make_unique<MigrationSender>(world.sender_config, world.source, world.to_destination, world.clock,
                                        world.record_buffer, world.send_set, &world.recorder);
  world.guest = dirtier(world, 2, kPages);  // ~8 KB/ms dirtied against a 64 KB/ms link
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_EQ(summary.stop_reason, PrecopyDecision::kStopConverged);
  EXPECT_GE(summary.rounds, 3u);  // round 0, at least one round of re-dirtied pages, final
  EXPECT_TRUE(summary.digest_verified);
  EXPECT_TRUE(world.memory_identical());
  EXPECT_TRUE(world.source.released);
  EXPECT_FALSE(world.source.resumed);
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  EXPECT_TRUE(world.factory.guest->started);
  EXPECT_FALSE(world.factory.guest->discarded);
  EXPECT_EQ(world.factory.guest->vcpu.regs.rip, 0x100123u);
  EXPECT_EQ(world.factory.guest->device.guest_time_ns, 5'000'000'000u);  // guest time continues from here
  EXPECT_STREQ(world.receiver->header().guest_name, "dirtier");
  EXPECT_EQ(world.recorder.finished, 1);
  ASSERT_EQ(world.recorder.rounds.size(), summary.rounds);
  EXPECT_EQ(world.recorder.rounds[0].pages_sent, kPages);
  // Every 4th page starts zero; the guest wrote into a few of them before they went.
  EXPECT_LE(world.recorder.rounds[0].zero_pages, kPages / 4);
  EXPECT_GT(world.recorder.rounds[0].zero_pages, kPages / 5);
  EXPECT_GT(world.recorder.rounds[0].pages_dirtied, 0u);
  EXPECT_GT(world.recorder.rounds[1].pages_sent, 0u);  // re-dirtied pages went again
  EXPECT_TRUE(world.recorder.rounds.back().final);
  EXPECT_GT(summary.downtime_ns, 0u);
  EXPECT_EQ(summary.wire_bytes, world.to_destination.written);
}

TEST(MigrationEngine, WireBytesStayWithinFivePercentOfRequired) {
  World world;
  for (uint64_t gfn = 0; gfn < kPages; ++gfn) world.source.memory[gfn * kPageSize + 5] = 1;  // no zero pages
  world.guest = dirtier(world, 3, kPages);
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded);
  EXPECT_EQ(summary.zero_pages, 0u);
  EXPECT_EQ(summary.required_bytes, summary.pages_sent * kPageSize + 520 + 288);
  double overhead = static_cast<double>(summary.wire_bytes) / static_cast<double>(summary.required_bytes);
  EXPECT_LT(overhead, 1.05);
  EXPECT_GT(overhead, 1.0);
  RecordProperty("wire_bytes", std::to_string(summary.wire_bytes));
  RecordProperty("required_bytes", std::to_string(summary.required_bytes));
  RecordProperty("rounds", static_cast<int>(summary.rounds));
}

TEST(MigrationEngine, FastDirtierStopsForNoProgressAndStillArrivesIdentical) {
  World world;
  world.sender_config.policy.downtime_target_ns = 1'000'000;  // 1 ms: unreachable here
  world.sender =
      std::make_unique<MigrationSender>(world.sender_config, world.source, world.to_destination, world.clock,
                                        world.record_buffer, world.send_set, &world.recorder);
  world.guest = dirtier(world, 40, 512);  // 160 KB/ms into a 2 MiB working set: faster than the link
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_EQ(summary.stop_reason, PrecopyDecision::kStopNoProgress);
  EXPECT_TRUE(world.memory_identical());
}

TEST(MigrationEngine, RoundLimitStopsAGuestThatKeepsUp) {
  World world;
  world.sender_config.policy.downtime_target_ns = 1'000'000;
  world.sender_config.policy.min_progress_percent = 0;  // any shrink counts as progress
  world.sender_config.policy.max_rounds = 4;
  world.sender =
      std::make_unique<MigrationSender>(world.sender_config, world.source, world.to_destination, world.clock,
                                        world.record_buffer, world.send_set, &world.recorder);
  world.guest = dirtier(world, 12, kPages);
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded);
  EXPECT_EQ(summary.stop_reason, PrecopyDecision::kStopRoundLimit);
  EXPECT_EQ(summary.rounds, 5u);  // four pre-copy rounds and the final one
  EXPECT_TRUE(world.memory_identical());
}

TEST(MigrationEngine, BrokenChannelMidRoundResumesTheSource) {
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

TEST(MigrationEngine, NackFromARefusingDestinationResumesTheSource) {
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

TEST(MigrationEngine, DigestMismatchIsCaughtAndTheSourceResumes) {
  World world;
  world.factory.corrupt_gfn = 300;
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kDigestMismatch);
  EXPECT_EQ(static_cast<StreamError>(world.sender->summary().failure.value), StreamError::kDigestMismatch);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->loaded);
}

TEST(MigrationEngine, StateRefusedByTheDestinationResumesTheSource) {
  World world;
  world.factory.refuse_state = true;
  world.run();
  world.expect_source_resumed();
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->started);
}

TEST(MigrationEngine, AckTimeoutResumesTheSource) {
  World world;
  world.drop_replies_after_challenge = true;  // the ACK (and the close after it) never arrive
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
}

TEST(MigrationEngine, CorruptedStreamByteIsRejectedByTheReceiver) {
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

TEST(MigrationEngine, WrongKeyIsRefusedBeforeAnyGuestExists) {
  World world(std::vector<uint8_t>{'o', 't', 'h', 'e', 'r'});
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kAuthenticationFailed);
  EXPECT_EQ(static_cast<StreamError>(world.sender->summary().failure.value),
            StreamError::kAuthenticationFailed);
  EXPECT_EQ(world.factory.guest, nullptr);
}

TEST(MigrationEngine, DirtyTrackingFailureEndsCleanly) {
  World world;
  world.source.fail_tracking = true;
  world.run();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kSourceFailed);
  EXPECT_FALSE(world.source.paused);
  EXPECT_FALSE(world.source.released);
}

TEST(MigrationEngine, SilentDestinationTimesOut) {
  World world;
  world.sender->start();
  for (int i = 0; i < 12; ++i) {  // 12 s of nothing
    world.clock.now += 1'000'000'000;
    world.sender->pump();
  }
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_FALSE(world.source.resumed);  // tracking never began: nothing to undo
}

TEST(MigrationEngine, StalledSendWindowTimesOutAndResumesTheSource) {
  World world;
  world.guest = [&]() {
    if (world.to_destination.written > 500'000) world.to_destination.window = 0;  // the peer stops reading
  };
  world.run(15000);
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_TRUE(world.factory.guest->discarded);
}

TEST(MigrationEngine, IdleReceiverTimesOutAndSaysWhy) {
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

}  // namespace
}  // namespace godwit::migration
