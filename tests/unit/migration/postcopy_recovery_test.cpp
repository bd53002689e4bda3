// Post-copy recovery (docs/migration-stream.md, section 12.5; decision 0023) through the
// two state machines: a link cut after the switch for longer than the post-switch
// time-out splits the migration (the source keeps its paused copy, the destination its
// guest, stranded); a new connection continues it, and only a connection from this
// migration's own source, freshly keyed, gets anything.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "tests/unit/migration/migration_world.h"

namespace godwit::migration {
namespace {

using testing::kPages;
using testing::World;

constexpr uint64_t kTimeoutNs = 50'000'000;  // 50 ms after the switch, both sides

// A post-copy world whose link goes silent both ways once `cut` is set (after GO: the
// guest runs on the destination), with the guest there touching pages.
struct SplitWorld {
  explicit SplitWorld(uint8_t seed = 0) {
    world.sender_config.mode = MigrationMode::kPostcopy;
    world.sender_config.postcopy_stall_timeout_ns = kTimeoutNs;
    world.receiver_config.postcopy_idle_timeout_ns = kTimeoutNs;
    for (size_t i = 0; i < kNonceSize; ++i) {
      world.sender_config.nonce[i] ^= seed;
      world.receiver_config.nonce[i] ^= seed;
    }
    world.to_destination.window = 8 * 1024;  // slow: the push is still going at the cut
    world.rebuild_sender();
    world.receiver = std::make_unique<MigrationReceiver>(world.receiver_config, world.factory,
                                                         world.to_source, world.clock, world.body_buffer,
                                                         world.coverage, world.received_terms);
    world.receiver->enable_postcopy(world.present, world.requested);
    auto silence = [this](std::vector<uint8_t>& bytes, uint64_t) {
      if (world.receiver->stats().switch_to_go_ns != 0 && world.sender->summary().switched) bytes.clear();
    };
    world.tamper = silence;
    world.tamper_replies = silence;
    world.destination_guest = [this] { touch(); };
  }

  // The guest on the destination: touches pages spread over memory, waits for an absent
  // one (its request goes to the source), writes a byte into each present one.
  void touch() {
    testing::FakeDestination& guest = *world.factory.guest;
    if (guest.stranded) return;  // paused
    if (waiting != UINT64_MAX && !guest.mapped[waiting]) return;
    waiting = UINT64_MAX;
    uint64_t gfn = (next++ * 389) % kPages;
    if (!guest.mapped[gfn] && !world.receiver->request_page(gfn)) {
      waiting = gfn;
      return;
    }
    uint8_t value = static_cast<uint8_t>(0x5a + gfn);
    guest.memory[gfn * kPageSize + 300] = value;
    written[gfn] = value;
  }

  void split() {
    world.run();
    ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kFailed);
    ASSERT_TRUE(world.sender->summary().switched);
    ASSERT_TRUE(world.sender->recoverable());
    ASSERT_TRUE(world.receiver->stats().stranded);
    ASSERT_TRUE(world.receiver->recoverable());
    ASSERT_TRUE(world.factory.guest->stranded);
  }

  void expect_memory_accounted_for() const {
    std::vector<uint8_t> memory = world.factory.guest->memory;
    for (auto [gfn, value] : written) {
      ASSERT_EQ(memory[gfn * kPageSize + 300], value) << "gfn " << gfn << ": a later copy undid a write";
      memory[gfn * kPageSize + 300] = world.source.memory[gfn * kPageSize + 300];
    }
    EXPECT_TRUE(memory == world.source.memory);
  }

  World world;
  uint64_t next = 0, waiting = UINT64_MAX;
  std::map<uint64_t, uint8_t> written;
};

void nonce(uint8_t (&out)[kNonceSize], uint8_t seed) {
  for (size_t i = 0; i < kNonceSize; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
}

// One connection between `source`'s sender and `destination`'s receiver (possibly of
// two different worlds), on fresh channels, pumped until both ends are done or `steps`.
// `to_destination` may change or record what the source sends; replies past
// `reply_bytes` are dropped (a link that fails again one way).
struct Connection {
  World& source;
  World& destination;
  std::function<void(std::vector<uint8_t>&)> to_destination;
  size_t reply_bytes = SIZE_MAX;
  std::function<void()> guest_step;

  void run(int steps = 20000) {
    bool receiver_closed = false;
    for (int i = 0; i < steps; ++i) {
      bool receiver_done = destination.receiver->outcome() != MigrationReceiver::Outcome::kInProgress;
      if (source.sender->finished() && receiver_done) break;
      source.to_destination.refill();
      destination.to_source.refill();
      source.sender->pump();
      std::vector<uint8_t> bytes = source.to_destination.take();
      if (to_destination) to_destination(bytes);
      if (!bytes.empty()) destination.receiver->on_receive(bytes);
      if (source.to_destination.closed && !receiver_closed) {
        receiver_closed = true;
        destination.receiver->on_channel_closed();
      }
      destination.receiver->pump();
      std::vector<uint8_t> back = destination.to_source.take();
      if (back.size() > reply_bytes) back.resize(reply_bytes);
      reply_bytes -= back.size();
      if (!back.empty()) source.sender->on_receive(back);
      if (destination.to_source.closed && !source.sender->finished() && reply_bytes != 0)
        source.sender->on_channel_closed();
      if (guest_step) guest_step();
      source.clock.now += 1'000'000;
      if (&destination != &source) destination.clock.now += 1'000'000;
    }
  }
};

// Both sides ready for a new connection: fresh channels, fresh nonces.
void reconnect(World& source, World& destination, uint8_t seed) {
  source.to_destination = testing::FakeChannel{};
  destination.to_source = testing::FakeChannel{};
  uint8_t n[kNonceSize];
  nonce(n, seed);
  ASSERT_TRUE(destination.receiver->resume(n));
  destination.receiver->start();
  nonce(n, static_cast<uint8_t>(seed + 100));
  ASSERT_TRUE(source.sender->resume(n));
}

TEST(PostcopyRecovery, ALinkCutPastTheTimeoutIsRecoveredOverANewConnection) {
  SplitWorld split;
  split.split();
  World& world = split.world;
  EXPECT_FALSE(world.source.resumed);  // neither side ran the guest on its own
  EXPECT_FALSE(world.source.released);
  uint64_t pages_before = world.sender->summary().pages_sent;

  reconnect(world, world, 1);
  Connection{world, world, {}, SIZE_MAX, [&] { split.touch(); }}.run();

  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_EQ(summary.recoveries, 1u);
  EXPECT_GT(summary.recovered_missing, 0u);
  EXPECT_GT(summary.pages_sent, pages_before);
  EXPECT_TRUE(summary.digest_verified);
  EXPECT_TRUE(world.source.released);  // freed only on COMMITTED
  EXPECT_FALSE(world.source.resumed);
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  EXPECT_EQ(world.factory.guest->rejoins, 1);
  EXPECT_TRUE(world.factory.guest->postcopy_finished);
  EXPECT_FALSE(world.factory.guest->discarded);
  split.expect_memory_accounted_for();
}

TEST(PostcopyRecovery, AFailedRecoveryLeavesBothSidesRecoverableAndAReplayedOneGetsNothing) {
  SplitWorld split;
  split.split();
  World& world = split.world;

  // Attempt 1: the destination's answers after CHALLENGE never arrive (the link fails
  // again one way).
  std::vector<uint8_t> recorded;
  reconnect(world, world, 1);
  Connection{world, world,
             [&](std::vector<uint8_t>& b) { recorded.insert(recorded.end(), b.begin(), b.end()); },
             sizeof(RecordHeader) + sizeof(ChallengeRecord), [&] { split.touch(); }}
      .run(2000);
  ASSERT_TRUE(world.sender->recoverable());
  ASSERT_TRUE(world.receiver->recoverable());
  EXPECT_TRUE(world.factory.guest->stranded);  // paused again
  int rejoins = world.factory.guest->rejoins;

  // Attempt 2: someone replays attempt 1's bytes (HELLO, RECOVER) to a fresh CHALLENGE.
  world.to_source = testing::FakeChannel{};
  uint8_t n[kNonceSize];
  nonce(n, 2);
  ASSERT_TRUE(world.receiver->resume(n));
  world.receiver->start();
  world.receiver->on_receive(recorded);
  world.receiver->pump();
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kFailed);
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
  EXPECT_TRUE(world.receiver->recoverable());
  EXPECT_EQ(world.factory.guest->rejoins, rejoins);  // the guest never ran for it
  EXPECT_TRUE(world.factory.guest->stranded);

  // Attempt 3: the real source again.
  reconnect(world, world, 3);
  Connection{world, world, {}, SIZE_MAX, [&] { split.touch(); }}.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded)
      << to_string(world.sender->summary().failure.code);
  EXPECT_EQ(world.sender->summary().recoveries, 2u);
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  split.expect_memory_accounted_for();
}

TEST(PostcopyRecovery, TheSourceOfAnotherMigrationIsRefused) {
  SplitWorld here(0), other(0x40);
  here.split();
  other.split();
  // other's source, holding the same key and a guest of the same size, reaches here's
  // destination.
  reconnect(other.world, here.world, 5);
  Connection{other.world, here.world, {}, SIZE_MAX, {}}.run(2000);
  EXPECT_EQ(here.world.receiver->failure().code, StreamError::kWrongMigration);
  EXPECT_TRUE(here.world.receiver->recoverable());
  EXPECT_TRUE(here.world.factory.guest->stranded);
  EXPECT_EQ(here.world.factory.guest->rejoins, 0);
  // The refusal is a sealed NACK: that source stays split, its copy paused and whole.
  EXPECT_EQ(other.world.sender->summary().failure.code, StreamError::kPeerRefused);
  EXPECT_TRUE(other.world.sender->recoverable());
  EXPECT_FALSE(other.world.source.resumed);
  EXPECT_FALSE(other.world.source.released);
}

TEST(PostcopyRecovery, ARecoveryHelloFindsNothingOnAFreshNode) {
  SplitWorld split;
  split.split();
  World fresh;  // a destination that never stranded anything
  split.world.to_destination = testing::FakeChannel{};
  fresh.receiver->start();
  uint8_t n[kNonceSize];
  nonce(n, 9);
  ASSERT_TRUE(split.world.sender->resume(n));
  Connection{split.world, fresh, {}, SIZE_MAX, {}}.run(2000);
  EXPECT_EQ(fresh.receiver->failure().code, StreamError::kNothingToRecover);
  EXPECT_EQ(fresh.factory.guest, nullptr);
  EXPECT_TRUE(split.world.sender->recoverable());
}

// A split source reconnects to a destination that holds no stranded migration but keeps
// the verdicts of recent ones (`book`); `key` is the destination's migrate_key.
struct VerdictRun {
  explicit VerdictRun(std::vector<uint8_t> key = testing::kKey) : answering(std::move(key)) {
    split.split();
    answering.receiver_config.outcomes = &book;
    answering.receiver = std::make_unique<MigrationReceiver>(
        answering.receiver_config, answering.factory, answering.to_source, answering.clock,
        answering.body_buffer, answering.coverage, answering.received_terms);
  }

  void run() {
    split.world.to_destination = testing::FakeChannel{};
    answering.receiver->start();
    uint8_t n[kNonceSize];
    nonce(n, 21);
    ASSERT_TRUE(split.world.sender->resume(n));
    Connection{split.world, answering, {}, SIZE_MAX, {}}.run(2000);
  }

  const MigrationSummary& summary() const { return split.world.sender->summary(); }

  SplitWorld split;
  World answering;
  RecentOutcomes book;
};

TEST(PostcopyRecovery, ADestinationThatRunsTheGuestSaysSoAndTheSourceLetsItsCopyGo) {
  VerdictRun run;  // COMMIT arrived there, COMMITTED never came back
  run.book.remember(run.split.world.receiver->session(), RecoveryVerdict::kRunsHere);
  run.run();
  EXPECT_EQ(run.answering.receiver->failure().code, StreamError::kNothingToRecover);
  EXPECT_TRUE(run.answering.receiver->authenticated());
  ASSERT_EQ(run.summary().outcome, MigrationOutcome::kSucceeded) << to_string(run.summary().failure.code);
  EXPECT_EQ(run.summary().recovery_verdict, static_cast<uint8_t>(RecoveryVerdict::kRunsHere));
  EXPECT_TRUE(run.split.world.source.released);
  EXPECT_FALSE(run.split.world.source.resumed);
  EXPECT_FALSE(run.split.world.sender->recoverable());
}

TEST(PostcopyRecovery, ADestinationWhereTheGuestNeverRanSaysSoAndTheSourceRunsItAgain) {
  VerdictRun run;  // READY came back to the source, GO never reached the destination
  run.book.remember(run.split.world.receiver->session(), RecoveryVerdict::kNeverRan);
  run.run();
  EXPECT_EQ(run.summary().outcome, MigrationOutcome::kFailed);
  EXPECT_EQ(run.summary().recovery_verdict, static_cast<uint8_t>(RecoveryVerdict::kNeverRan));
  EXPECT_TRUE(run.split.world.source.resumed);
  EXPECT_FALSE(run.split.world.source.released);
  EXPECT_FALSE(run.split.world.sender->recoverable());
}

TEST(PostcopyRecovery, ADestinationThatRemembersNothingEndsTheRetriesAndTheCopyStaysPaused) {
  VerdictRun run;  // rebooted, or another migration's verdicts only
  SplitWorld other(0x40);
  other.split();
  run.book.remember(other.world.receiver->session(), RecoveryVerdict::kNeverRan);
  run.run();
  EXPECT_EQ(run.summary().outcome, MigrationOutcome::kFailed);
  EXPECT_EQ(run.summary().recovery_verdict, static_cast<uint8_t>(RecoveryVerdict::kUnknown));
  EXPECT_FALSE(run.split.world.source.resumed);  // stale: the guest ran on there
  EXPECT_FALSE(run.split.world.source.released);
  EXPECT_FALSE(run.split.world.sender->recoverable());
}

TEST(PostcopyRecovery, AVerdictFromANodeWithoutTheKeyChangesNothing) {
  VerdictRun run(std::vector<uint8_t>{'o', 't', 'h', 'e', 'r'});
  run.book.remember(run.split.world.receiver->session(), RecoveryVerdict::kNeverRan);
  run.run();
  EXPECT_NE(run.answering.receiver->failure().code, StreamError::kNothingToRecover);  // RECOVER never opened
  EXPECT_EQ(run.summary().recovery_verdict, 0xFF);
  EXPECT_TRUE(run.split.world.sender->recoverable());  // still split, paused, whole
  EXPECT_FALSE(run.split.world.source.resumed);
  EXPECT_FALSE(run.split.world.source.released);
}

TEST(PostcopyRecovery, TheReceiverNamesHowItsMigrationEnded) {
  World succeeded;
  succeeded.run();
  ASSERT_TRUE(succeeded.receiver->identified());
  EXPECT_EQ(succeeded.receiver->verdict(), RecoveryVerdict::kRunsHere);

  World refused(std::vector<uint8_t>{'o', 't', 'h', 'e', 'r'});  // fails at HEADER: no guest was built
  refused.run();
  EXPECT_EQ(refused.receiver->verdict(), RecoveryVerdict::kNeverRan);

  SplitWorld split;
  split.split();
  EXPECT_EQ(split.world.receiver->verdict(), RecoveryVerdict::kUnknown);  // stranded: kept, not ended
}

TEST(PostcopyRecovery, ANewMigrationToANodeWithAStrandedGuestIsRefusedBeforeAnyPage) {
  SplitWorld split;
  split.split();
  World newcomer;  // another guest, pre-copy, to the node that holds the stranded one
  split.world.to_source = testing::FakeChannel{};
  uint8_t n[kNonceSize];
  nonce(n, 11);
  ASSERT_TRUE(split.world.receiver->resume(n));
  split.world.receiver->start();
  newcomer.sender->start();
  Connection{newcomer, split.world, {}, SIZE_MAX, {}}.run(2000);
  EXPECT_EQ(split.world.receiver->failure().code, StreamError::kAwaitingRecovery);
  EXPECT_TRUE(split.world.receiver->recoverable());
  newcomer.expect_source_resumed();
}

TEST(PostcopyRecovery, OnlyASplitOrStrandedMigrationResumes) {
  World world;
  uint8_t n[kNonceSize];
  nonce(n, 1);
  EXPECT_FALSE(world.sender->resume(n));  // never started
  EXPECT_FALSE(world.receiver->resume(n));
  world.run();  // a pre-copy migration that succeeds
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  EXPECT_FALSE(world.sender->recoverable());
  EXPECT_FALSE(world.sender->resume(n));
  EXPECT_FALSE(world.receiver->resume(n));
}

}  // namespace
}  // namespace godwit::migration
