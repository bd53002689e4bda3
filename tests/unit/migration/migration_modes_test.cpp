// Stop-and-copy, post-copy and hybrid through the harness of migration_world.h: the guest
// keeps writing on the source until the pause and, in post-copy, keeps running on the
// destination, touching pages that are not there yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "migration/postcopy_format.h"
#include "migration/sealed_records.h"
#include "tests/unit/migration/migration_world.h"

namespace godwit::migration {
namespace {

using testing::dirtier;
using testing::kPages;
using testing::World;

// The guest on the destination: each step it touches a few pages spread over memory; an
// absent one is requested and the guest waits for it (as its vCPU would). A present one
// gets a byte written, which no later copy of the page may undo.
struct GuestThere {
  explicit GuestThere(World& w) : world(w) {}
  World& world;
  uint64_t next = 0;
  uint64_t waiting = UINT64_MAX;
  uint64_t waits = 0;
  std::map<uint64_t, uint8_t> written;  // gfn -> the value written at offset 300

  void step() {
    testing::FakeDestination& guest = *world.factory.guest;
    for (int touches = 0; touches < 3; ++touches) {
      if (waiting != UINT64_MAX && !guest.mapped[waiting]) return;  // still parked
      waiting = UINT64_MAX;
      uint64_t gfn = (next++ * 389) % kPages;
      if (!guest.mapped[gfn]) {
        if (!world.receiver->request_page(gfn)) {
          waiting = gfn;
          ++waits;
          return;
        }
      }
      uint8_t value = static_cast<uint8_t>(0x5a + gfn);
      guest.memory[gfn * kPageSize + 300] = value;
      written[gfn] = value;
    }
  }

  // The destination holds the source's memory, but for the bytes the guest wrote here.
  void expect_memory_accounted_for() const {
    std::vector<uint8_t> memory = world.factory.guest->memory;
    for (auto [gfn, value] : written) {
      ASSERT_EQ(memory[gfn * kPageSize + 300], value)
          << "gfn " << gfn << ": a later copy overwrote the guest's write";
      memory[gfn * kPageSize + 300] = world.source.memory[gfn * kPageSize + 300];
    }
    EXPECT_TRUE(memory == world.source.memory);
  }
};

TEST(MigrationModes, StopAndCopySendsEverythingOnceWhilePaused) {
  World world;
  world.sender_config.mode = MigrationMode::kStopAndCopy;
  world.rebuild_sender();
  world.guest = dirtier(world, 2, kPages);
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_EQ(summary.rounds, 1u);
  ASSERT_EQ(world.recorder.rounds.size(), 1u);
  EXPECT_TRUE(world.recorder.rounds[0].final);
  EXPECT_EQ(summary.pages_sent, kPages);
  EXPECT_FALSE(world.source.ram.dirty.active());  // never tracked: nothing ran meanwhile
  EXPECT_TRUE(world.memory_identical());
  EXPECT_TRUE(world.source.released);
  EXPECT_TRUE(world.factory.guest->started);
  EXPECT_EQ(summary.mode, MigrationMode::kStopAndCopy);
  EXPECT_FALSE(summary.switched);
}

TEST(MigrationModes, PostcopyRunsTheGuestFirstAndFetchesWhatItTouches) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.to_destination.window = 8 * 1024;  // a slow link: the guest outruns the push
  world.rebuild_sender();
  GuestThere there{world};
  world.destination_guest = [&] { there.step(); };
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_TRUE(summary.switched);
  EXPECT_EQ(summary.rounds, 0u);
  EXPECT_GT(summary.demand_pages, 0u);
  EXPECT_GT(summary.pages_pushed, 0u);
  EXPECT_EQ(summary.demand_pages + summary.pages_pushed, kPages);
  EXPECT_TRUE(summary.digest_verified);
  const ReceiverStats& stats = world.receiver->stats();
  EXPECT_TRUE(stats.postcopy);
  EXPECT_EQ(stats.present_at_switch, 0u);
  EXPECT_GT(stats.page_requests, 0u);
  EXPECT_GT(there.waits, 0u);
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  EXPECT_TRUE(world.factory.guest->postcopy_finished);
  EXPECT_TRUE(world.source.released);
  EXPECT_FALSE(world.source.resumed);
  EXPECT_FALSE(there.written.empty());
  there.expect_memory_accounted_for();
  // The pause ended when the destination was READY: a few steps, nothing like the copy.
  EXPECT_LT(summary.downtime_ns, 10'000'000u);
}

// The pause's parts as the events report them (docs/migration-stream.md, 12.2b): the
// source's steps add up to its downtime, the destination's from READY to the guest's
// start to go_wait, and the guest starts only after the source saw READY.
TEST(MigrationModes, PostcopyPauseStepsAddUpOnBothSides) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.rebuild_sender();
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_GT(summary.downtime_ns, 0u);
  EXPECT_EQ(summary.pause.state_ns + summary.pause.ack_ns, summary.downtime_ns);
  EXPECT_GT(summary.pause.ack_ns, 0u);  // a round trip: at least one step of the fake clock
  const ReceiverStats& stats = world.receiver->stats();
  EXPECT_EQ(stats.switch_steps.ready_out_ns + stats.switch_steps.go_ns, stats.switch_to_go_ns);
  EXPECT_GT(stats.switch_steps.go_ns, 0u);  // GO answers READY: another round trip
}

// A mostly empty guest, as a freshly booted one is: the push takes its zero pages by
// the run, so the records' headers and tags stay a small part of the bytes (issue 16:
// post-copy's wire bytes within 1.02 of the data), while a batch still holds at most
// postcopy_batch_pages data pages for an asked-for page to wait behind.
TEST(MigrationModes, PostcopyPushTakesZeroPagesBeyondTheBatchLimit) {
  World world;
  std::fill(world.source.memory.begin() + 256 * kPageSize, world.source.memory.end(), uint8_t{0});
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.rebuild_sender();
  std::vector<uint8_t> wire;
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  };
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_TRUE(world.memory_identical());
  EXPECT_EQ(summary.pages_pushed, kPages);
  EXPECT_EQ(summary.zero_pages, kPages - 192);  // every 4th page of the first 256 is zero too
  size_t batches = 0, largest = 0;
  for (const testing::WireRecord& r : testing::split_stream(wire)) {
    if (r.type != static_cast<uint32_t>(RecordType::kPageBatch)) continue;
    ++batches;
    largest = std::max(largest, r.size);
  }
  // 192 data pages, 4 a batch: 48 batches, and the zero pages ride along (one record of
  // four zero pages each, as before, would be 240 more).
  EXPECT_LE(batches, 50u);
  EXPECT_LE(largest, postcopy_batch_record_size(world.sender_config.postcopy_batch_pages));
  EXPECT_LE(summary.wire_bytes, summary.required_bytes * 101 / 100);
}

TEST(MigrationModes, HybridPushesAFewRoundsThenPullsTheStalePages) {
  World world;
  world.sender_config.mode = MigrationMode::kHybrid;
  world.sender_config.hybrid_max_rounds = 3;
  world.sender_config.policy.downtime_target_ns = 1'000'000;  // 1 ms: pre-copy cannot meet it
  world.rebuild_sender();
  world.guest = dirtier(world, 40, kPages / 2);  // fast, over half the memory
  GuestThere there{world};
  world.destination_guest = [&] { there.step(); };
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  ASSERT_EQ(summary.outcome, MigrationOutcome::kSucceeded) << to_string(summary.failure.code);
  EXPECT_EQ(summary.rounds, 3u);  // pre-copy rounds only: no final round
  EXPECT_TRUE(summary.switched);
  const ReceiverStats& stats = world.receiver->stats();
  EXPECT_GT(stats.discarded_pages, 0u);
  EXPECT_GE(stats.present_at_switch, kPages / 2);  // the half the guest never writes
  EXPECT_EQ(stats.present_at_switch + summary.pages_pushed + summary.demand_pages, kPages);
  there.expect_memory_accounted_for();
  EXPECT_TRUE(world.source.released);
}

TEST(MigrationModes, PostcopyFailureBeforeTheSwitchLeavesTheGuestOnTheSource) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.factory.refuse_state = true;  // the destination cannot load the state: NACK, no READY
  world.rebuild_sender();
  world.run();
  world.expect_source_resumed();
  EXPECT_FALSE(world.sender->summary().switched);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_FALSE(world.factory.guest->started);
}

// The post-copy replies are sealed like every record after the handshake: one changed bit
// in POSTCOPY_READY (CHALLENGE, then PREPARED, then READY on the reply stream) fails its
// tag, so the switch never happens and the guest resumes on the source.
TEST(MigrationModes, AChangedPostcopyReadyFailsItsTagAndTheSourceKeepsTheGuest) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.rebuild_sender();
  constexpr uint64_t kReadyAt =
      record_size(sizeof(ChallengeRecord)) + sealed_record_size(sizeof(PostcopyPreparedRecord));
  constexpr uint64_t kFlipAt = kReadyAt + sizeof(RecordHeader);  // its body's first byte
  static_assert(sealed_record_size(sizeof(PostcopyReadyRecord)) ==
                sizeof(RecordHeader) + sizeof(PostcopyReadyRecord) + kRecordTagSize);
  world.tamper_replies = [&](std::vector<uint8_t>& bytes, uint64_t offset) {
    if (offset <= kFlipAt && kFlipAt < offset + bytes.size()) bytes[kFlipAt - offset] ^= 0x01;
  };
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  EXPECT_EQ(summary.failure.code, StreamError::kRecordForged) << to_string(summary.failure.code);
  EXPECT_FALSE(summary.switched);
  world.expect_source_resumed();
  EXPECT_FALSE(world.factory.guest->started);
}

TEST(MigrationModes, PostcopyLinkLostAfterTheSwitchStrandsBothHalvesAndResumesNeither) {
  World world;
  world.sender_config.mode = MigrationMode::kPostcopy;
  world.sender_config.postcopy_stall_timeout_ns = 50'000'000;  // 50 ms
  world.receiver_config.postcopy_idle_timeout_ns = 50'000'000;
  world.to_destination.window = 8 * 1024;
  world.rebuild_sender();
  world.receiver =
      std::make_unique<MigrationReceiver>(world.receiver_config, world.factory, world.to_source, world.clock,
                                          world.body_buffer, world.coverage, world.received_terms);
  world.receiver->enable_postcopy(world.present, world.requested);
  // After the switch the link goes silent both ways (a cable pulled, not a reset).
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    if (world.sender->summary().switched && world.receiver->stats().switch_to_go_ns != 0) bytes.clear();
  };
  world.tamper_replies = [&](std::vector<uint8_t>& bytes, uint64_t) {
    if (world.sender->summary().switched && world.receiver->stats().switch_to_go_ns != 0) bytes.clear();
  };
  world.run();
  const MigrationSummary& summary = world.sender->summary();
  EXPECT_EQ(summary.outcome, MigrationOutcome::kFailed);
  EXPECT_TRUE(summary.switched);
  // Its own time-out, or the destination's, which closes the connection.
  EXPECT_TRUE(summary.failure.code == StreamError::kTimeout ||
              summary.failure.code == StreamError::kChannelFailed);
  EXPECT_TRUE(world.source.paused);  // kept, with all of its memory, and not run again
  EXPECT_FALSE(world.source.resumed);
  EXPECT_FALSE(world.source.released);
  EXPECT_TRUE(world.factory.guest->stranded);
  EXPECT_FALSE(world.factory.guest->discarded);
  EXPECT_TRUE(world.receiver->stats().stranded);
}

}  // namespace
}  // namespace godwit::migration
