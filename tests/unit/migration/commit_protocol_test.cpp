// Stream version 3 end to end over the pure state machines: the commit of
// docs/migration-stream.md section 8, step by step (what each side does when a step's
// record is lost, and that at every end the guest runs on at most one node while at
// least one holds a complete copy), and each forgery an on-path attacker can try
// (section 5): a flipped byte in any record, a replayed, reordered or dropped record, a
// foreign stream spliced after a genuine HEADER, a recorded VERIFIED replayed to a
// second source.
#include <gtest/gtest.h>

#include <cstring>

#include "tests/unit/migration/migration_world.h"

namespace godwit::migration {
namespace {

using testing::kPages;
using testing::split_stream;
using testing::WireRecord;
using testing::World;

// destination -> source: CHALLENGE [0, 64), VERIFIED [64, 112), COMMITTED [112, 160).
constexpr uint64_t kVerifiedEnd = 112;

// The guest is paused on the source, whole, with nothing resumed or freed.
void expect_source_holds_paused_copy(const World& world, const std::vector<uint8_t>& memory) {
  EXPECT_TRUE(world.source.held);
  EXPECT_TRUE(world.source.paused);
  EXPECT_FALSE(world.source.resumed);
  EXPECT_FALSE(world.source.released);
  EXPECT_EQ(world.source.memory, memory);
  EXPECT_EQ(world.sender->summary().outcome, MigrationOutcome::kUnsettled);
}

TEST(CommitProtocol, TheDestinationRunsTheGuestOnlyOnCommitAndTheSourceFreesItOnlyOnCommitted) {
  World world;
  world.guest = testing::dirtier(world, 2, kPages);
  bool started_before_commit = false, released_before_committed = false;
  world.tamper_replies = [&](std::vector<uint8_t>& bytes, uint64_t offset) {
    // VERIFIED is on its way: the destination has loaded the guest but must not run it.
    if (offset < kVerifiedEnd && offset + bytes.size() >= kVerifiedEnd && world.factory.guest->started)
      started_before_commit = true;
    if (world.source.released) released_before_committed = true;
  };
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  EXPECT_FALSE(started_before_commit);
  EXPECT_FALSE(released_before_committed);
  EXPECT_TRUE(world.factory.guest->started);
  EXPECT_TRUE(world.source.released);
  EXPECT_TRUE(world.memory_identical());
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  EXPECT_FALSE(world.receiver->stats().committed_unconfirmed);
  EXPECT_FALSE(world.receiver->stats().encrypted);
}

// The source reports COMMIT (the kernel's migration_commit event, which the fault
// injector's after_commit step waits for) once, after VERIFIED and before COMMITTED
// frees the guest; a migration that never got VERIFIED reports none, and the
// destination's verified_sent (its migration_progress "verified") is set only once
// VERIFIED is queued.
TEST(CommitProtocol, TheSourceReportsCommitOnceBetweenVerifiedAndCommitted) {
  World world;
  bool released_at_commit = true, verified_at_commit = false;
  world.tamper = [&world, &released_at_commit, &verified_at_commit](std::vector<uint8_t>&, uint64_t) {
    if (world.recorder.commits == 1 && !verified_at_commit) {
      verified_at_commit = world.receiver->stats().verified_sent;
      released_at_commit = world.source.released;
    }
  };
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  EXPECT_EQ(world.recorder.commits, 1);
  EXPECT_TRUE(verified_at_commit);
  EXPECT_FALSE(released_at_commit);
  EXPECT_TRUE(world.receiver->stats().verified_sent);
}

TEST(CommitProtocol, NoCommitIsReportedWhenVerifiedNeverArrives) {
  World world;
  world.drop_replies_after_challenge = true;
  world.run();
  EXPECT_EQ(world.sender->summary().outcome, MigrationOutcome::kFailed);
  EXPECT_EQ(world.recorder.commits, 0);
  EXPECT_TRUE(world.source.resumed);
}

TEST(CommitProtocol, NoVerifiedIsReportedWhenTheDestinationRefusesTheState) {
  World world;
  world.factory.refuse_state = true;
  world.run();
  EXPECT_FALSE(world.receiver->stats().verified_sent);
  EXPECT_EQ(world.recorder.commits, 0);
  EXPECT_TRUE(world.source.resumed);
}

TEST(CommitProtocol, EncryptedModeMigratesAndNoPageTravelsInClear) {
  World world;
  world.sender_config.protection = Protection::kEncrypted;
  world.rebuild_sender();
  std::vector<uint8_t> wire;
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  };
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  EXPECT_TRUE(world.memory_identical());
  EXPECT_TRUE(world.receiver->stats().encrypted);
  // The first 64 bytes of page 5 (FakeSource marks it) must appear nowhere on the wire.
  std::vector<uint8_t> needle(world.source.memory.begin() + 5 * kPageSize,
                              world.source.memory.begin() + 5 * kPageSize + 64);
  EXPECT_EQ(std::search(wire.begin(), wire.end(), needle.begin(), needle.end()), wire.end());
}

// The integrity-only mode sends the page as it is (so the same search finds it).
TEST(CommitProtocol, IntegrityOnlyModeSendsPagesAsTheyAre) {
  World world;
  std::vector<uint8_t> wire;
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  };
  world.run();
  ASSERT_EQ(world.sender->summary().outcome, MigrationOutcome::kSucceeded);
  std::vector<uint8_t> needle(world.source.memory.begin() + 5 * kPageSize,
                              world.source.memory.begin() + 5 * kPageSize + 64);
  EXPECT_NE(std::search(wire.begin(), wire.end(), needle.begin(), needle.end()), wire.end());
}

TEST(CommitProtocol, ADestinationThatRequiresEncryptionRefusesIntegrityOnly) {
  World world;
  world.receiver_config.require_encryption = true;
  world.receiver =
      std::make_unique<MigrationReceiver>(world.receiver_config, world.factory, world.to_source, world.clock,
                                          world.body_buffer, world.coverage, world.received_terms);
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kUnsupportedFeature);
  EXPECT_EQ(world.factory.guest, nullptr);
}

// COMMIT is lost: the destination never runs the guest and gives it up; the source sent
// COMMIT, so it must not resume on its own: the guest waits, paused and whole, for an
// operator. Nobody runs it, one node holds it.
TEST(CommitProtocol, ALostCommitLeavesTheGuestPausedOnTheSourceAwaitingSettlement) {
  World world;
  world.tamper = [&world](std::vector<uint8_t>& bytes, uint64_t) {
    if (world.delivered_to_source >= kVerifiedEnd) bytes.clear();  // everything after VERIFIED came
  };
  world.run();
  expect_source_holds_paused_copy(world, world.source.memory);
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kTimeout);
  EXPECT_FALSE(world.factory.guest->started);
  EXPECT_TRUE(world.factory.guest->discarded);
  EXPECT_EQ(world.nodes_running(), 0);
}

// COMMITTED is lost: the guest runs on the destination; the source, which cannot know
// that, holds its paused copy for settlement and never resumes it: one node runs it.
TEST(CommitProtocol, ALostCommittedLeavesTheSourcePausedAndTheDestinationRunning) {
  World world;
  world.tamper_replies = [](std::vector<uint8_t>& bytes, uint64_t offset) {
    if (offset >= kVerifiedEnd)
      bytes.clear();
    else if (offset + bytes.size() > kVerifiedEnd)
      bytes.resize(kVerifiedEnd - offset);
  };
  world.run();
  expect_source_holds_paused_copy(world, world.source.memory);
  EXPECT_TRUE(world.factory.guest->started);
  EXPECT_FALSE(world.factory.guest->discarded);
  EXPECT_EQ(world.receiver->outcome(), MigrationReceiver::Outcome::kRunning);
  EXPECT_EQ(world.nodes_running(), 1);
  EXPECT_TRUE(world.memory_identical());
}

// An unauthenticated close after COMMIT is no verdict: the source does not resume.
TEST(CommitProtocol, AConnectionClosedAfterCommitIsNeverTakenAsARefusal) {
  World world;
  world.tamper_replies = [&world](std::vector<uint8_t>& bytes, uint64_t offset) {
    if (offset >= kVerifiedEnd) {
      bytes.clear();
      world.to_source.closed = true;  // a RST where COMMITTED should be
    }
  };
  world.run();
  expect_source_holds_paused_copy(world, world.source.memory);
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kChannelFailed);
  EXPECT_LE(world.nodes_running(), 1);
}

// The destination gave up waiting for COMMIT (its deadline passed while COMMIT was in
// flight) and said so with a sealed NACK: that is proof it never runs the guest, so the
// source, although it sent COMMIT, resumes.
TEST(CommitProtocol, ASealedNackCrossingCommitResumesTheSource) {
  World world;
  world.receiver_config.commit_timeout_ns = 1'000'000;  // 1 ms
  world.receiver =
      std::make_unique<MigrationReceiver>(world.receiver_config, world.factory, world.to_source, world.clock,
                                          world.body_buffer, world.coverage, world.received_terms);
  bool dropping = false;
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    if (world.delivered_to_source >= kVerifiedEnd) dropping = true;
    if (dropping) bytes.clear();  // COMMIT is late: here, never
  };
  world.run();
  world.expect_source_resumed();
  EXPECT_EQ(world.sender->summary().failure.code, StreamError::kPeerRefused);
  EXPECT_EQ(static_cast<StreamError>(world.sender->summary().failure.value), StreamError::kTimeout);
  EXPECT_EQ(world.nodes_running(), 1);
}

// --- Forgeries by an attacker on the path ----------------------------------------------

// The source -> destination stream of a run without guest writes (deterministic).
std::vector<uint8_t> record_stream() {
  World world;
  std::vector<uint8_t> wire;
  world.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    wire.insert(wire.end(), bytes.begin(), bytes.end());
  };
  world.run();
  if (world.sender->summary().outcome != MigrationOutcome::kSucceeded) throw std::logic_error("no stream");
  return wire;
}

// Runs a migration with `rewrite` applied to the whole source -> destination stream as
// an on-path relay would (it sees all bytes the source wrote so far, and forwards what
// rewrite makes of them, once; the rest is held back until more arrives).
void run_with_relay(World& world,
                    const std::function<std::vector<uint8_t>(const std::vector<uint8_t>&)>& rewrite) {
  auto seen = std::make_shared<std::vector<uint8_t>>();
  auto forwarded = std::make_shared<size_t>(0);
  world.tamper = [seen, forwarded, rewrite](std::vector<uint8_t>& bytes, uint64_t) {
    seen->insert(seen->end(), bytes.begin(), bytes.end());
    std::vector<uint8_t> out = rewrite(*seen);
    bytes.assign(out.begin() + static_cast<long>(std::min(*forwarded, out.size())), out.end());
    *forwarded = std::max(*forwarded, out.size());
  };
  world.run();
}

// Every forgery must end with the migration failed, the guest running on the source
// only, and the destination holding nothing.
void expect_forgery_failed(const World& world, const std::string& what) {
  SCOPED_TRACE(what);
  world.expect_source_resumed();
  EXPECT_EQ(world.nodes_running(), 1);
}

TEST(CommitProtocol, AFlippedByteInAnyPartOfAnyRecordFails) {
  const std::vector<uint8_t> genuine = record_stream();
  std::vector<WireRecord> records = split_stream(genuine);
  ASSERT_GT(records.size(), 10u);
  EXPECT_EQ(records.front().type, static_cast<uint32_t>(RecordType::kHello));
  EXPECT_EQ(records.back().type, static_cast<uint32_t>(RecordType::kCommit));
  // The first record of each type, and the last batch: its header, body start, body end
  // (padding included) and tag.
  std::vector<const WireRecord*> picked;
  for (const WireRecord& r : records) {
    bool first_of_type = true;
    for (const WireRecord* p : picked) first_of_type &= p->type != r.type;
    if (first_of_type) picked.push_back(&r);
  }
  for (auto r = records.rbegin(); r != records.rend(); ++r) {
    if (r->type == static_cast<uint32_t>(RecordType::kPageBatch)) {
      picked.push_back(&*r);
      break;
    }
  }
  int runs = 0;
  for (const WireRecord* r : picked) {
    for (size_t at : {size_t{1}, size_t{5}, size_t{16}, r->size / 2, r->size - 17, r->size - 1}) {
      size_t target = r->offset + at;
      World world;
      run_with_relay(world, [target](const std::vector<uint8_t>& seen) {
        std::vector<uint8_t> out = seen;
        if (target < out.size())
          out[target] ^= 0x20;
        else
          out.resize(std::min(out.size(), target));  // hold back until the byte can be flipped
        return out;
      });
      expect_forgery_failed(
          world, std::string(to_string(static_cast<RecordType>(r->type))) + " byte " + std::to_string(at));
      ++runs;
    }
  }
  EXPECT_GE(runs, 60);
}

TEST(CommitProtocol, AReplayedRecordFails) {
  const std::vector<uint8_t> genuine = record_stream();
  std::vector<WireRecord> records = split_stream(genuine);
  const WireRecord& batch = records[5];  // HELLO HEADER CPUID ROUND, then batches
  ASSERT_EQ(batch.type, static_cast<uint32_t>(RecordType::kPageBatch));
  World world;
  run_with_relay(world, [&batch](const std::vector<uint8_t>& seen) {
    std::vector<uint8_t> out = seen;
    size_t end = batch.offset + batch.size;
    if (out.size() < end) return out;
    out.insert(out.begin() + static_cast<long>(end), seen.begin() + static_cast<long>(batch.offset),
               seen.begin() + static_cast<long>(end));
    return out;
  });
  expect_forgery_failed(world, "replayed batch");
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
}

TEST(CommitProtocol, ReorderedRecordsFail) {
  const std::vector<uint8_t> genuine = record_stream();
  std::vector<WireRecord> records = split_stream(genuine);
  const WireRecord &a = records[5], &b = records[6];
  World world;
  run_with_relay(world, [&a, &b](const std::vector<uint8_t>& seen) {
    std::vector<uint8_t> out = seen;
    if (out.size() < b.offset + b.size) {
      out.resize(std::min(out.size(), a.offset));
      return out;
    }
    std::vector<uint8_t> swapped(seen.begin() + static_cast<long>(b.offset),
                                 seen.begin() + static_cast<long>(b.offset + b.size));
    swapped.insert(swapped.end(), seen.begin() + static_cast<long>(a.offset),
                   seen.begin() + static_cast<long>(a.offset + a.size));
    std::copy(swapped.begin(), swapped.end(), out.begin() + static_cast<long>(a.offset));
    return out;
  });
  expect_forgery_failed(world, "swapped batches");
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
}

TEST(CommitProtocol, ADroppedRecordFails) {
  const std::vector<uint8_t> genuine = record_stream();
  std::vector<WireRecord> records = split_stream(genuine);
  const WireRecord& batch = records[7];
  World world;
  run_with_relay(world, [&batch](const std::vector<uint8_t>& seen) {
    std::vector<uint8_t> out = seen;
    if (out.size() <= batch.offset) return out;
    if (out.size() < batch.offset + batch.size) {
      out.resize(batch.offset);
      return out;
    }
    out.erase(out.begin() + static_cast<long>(batch.offset),
              out.begin() + static_cast<long>(batch.offset + batch.size));
    return out;
  });
  expect_forgery_failed(world, "dropped batch");
}

// The stream is cut after END and closed: every record that came opens, but COMMIT never
// does; the destination discards, and the source (which got VERIFIED and sent COMMIT
// into the void, then saw the close) keeps its paused copy. Cut before END, the source
// resumes.
TEST(CommitProtocol, ATruncatedStreamNeverRunsTheGuest) {
  const std::vector<uint8_t> genuine = record_stream();
  std::vector<WireRecord> records = split_stream(genuine);
  size_t cut = records[records.size() / 2].offset + 100;
  World world;
  world.tamper = [&world, cut](std::vector<uint8_t>& bytes, uint64_t offset) {
    if (offset + bytes.size() <= cut) return;
    bytes.resize(offset >= cut ? 0 : cut - offset);
    world.to_destination.closed = true;  // the relay sends FIN
  };
  world.run();
  EXPECT_EQ(world.receiver->failure().code, StreamError::kTruncated);
  world.expect_destination_holds_nothing();
  EXPECT_EQ(world.nodes_running(), 1);
  EXPECT_TRUE(world.source.running());
}

// A relay forwards the genuine HELLO, HEADER and CPUID of this session, then the records
// of another session (same key, the same guest's memory, its own nonces): they were
// sealed under other keys, and the first of them fails.
TEST(CommitProtocol, AForeignStreamSplicedAfterAGenuineHeaderFails) {
  World other;
  for (size_t i = 0; i < kNonceSize; ++i) other.sender_config.nonce[i] = static_cast<uint8_t>(i + 99);
  other.rebuild_sender();
  std::vector<uint8_t> foreign;
  other.tamper = [&](std::vector<uint8_t>& bytes, uint64_t) {
    foreign.insert(foreign.end(), bytes.begin(), bytes.end());
  };
  other.run();
  ASSERT_EQ(other.sender->summary().outcome, MigrationOutcome::kSucceeded);
  std::vector<WireRecord> foreign_records = split_stream(foreign);
  size_t foreign_body = foreign_records[3].offset;  // after HELLO, HEADER, CPUID

  World world;
  std::vector<WireRecord> genuine_records = split_stream(record_stream());
  size_t genuine_prefix = genuine_records[3].offset;
  run_with_relay(world, [&](const std::vector<uint8_t>& seen) {
    std::vector<uint8_t> out(seen.begin(),
                             seen.begin() + static_cast<long>(std::min(seen.size(), genuine_prefix)));
    if (seen.size() >= genuine_prefix)
      out.insert(out.end(), foreign.begin() + static_cast<long>(foreign_body), foreign.end());
    return out;
  });
  expect_forgery_failed(world, "spliced stream");
  EXPECT_TRUE(world.receiver->authenticated());  // the genuine HEADER opened
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
  EXPECT_EQ(world.receiver->failure().record_type, static_cast<uint32_t>(RecordType::kRound));
  EXPECT_EQ(world.receiver->failure().offset, genuine_prefix);  // counted from the stream's first byte
}

// Issue 15 item 7: a recorded CHALLENGE + VERIFIED + COMMITTED is replayed to a second
// source (same key, same memory) with no destination behind it. The second source's own
// fresh nonce gave other keys: the recorded VERIFIED fails and the guest resumes.
TEST(CommitProtocol, ARecordedVerifiedReplayedToASecondSourceDoesNotReleaseIt) {
  World first;
  std::vector<uint8_t> replies;
  first.tamper_replies = [&](std::vector<uint8_t>& bytes, uint64_t) {
    replies.insert(replies.end(), bytes.begin(), bytes.end());
  };
  first.run();
  ASSERT_EQ(first.sender->summary().outcome, MigrationOutcome::kSucceeded);
  ASSERT_EQ(replies.size(), 160u);

  World second;
  for (size_t i = 0; i < kNonceSize; ++i) second.sender_config.nonce[i] = static_cast<uint8_t>(i ^ 0x5a);
  second.rebuild_sender();
  second.sender->start();
  second.sender->on_receive(std::span<const uint8_t>(replies.data(), 64));  // the recorded CHALLENGE
  for (int step = 0; step < 20000 && !second.source.paused; ++step) {       // the source sends into the void
    second.to_destination.refill();
    second.sender->pump();
    (void)second.to_destination.take();
    second.clock.now += 1'000'000;
  }
  for (int step = 0; step < 100; ++step) {  // END goes out
    second.to_destination.refill();
    second.sender->pump();
    (void)second.to_destination.take();
  }
  ASSERT_FALSE(second.sender->finished());
  second.sender->on_receive(std::span<const uint8_t>(replies.data() + 64, replies.size() - 64));
  EXPECT_EQ(second.sender->summary().outcome, MigrationOutcome::kFailed);
  EXPECT_EQ(second.sender->summary().failure.code, StreamError::kRecordForged);
  EXPECT_TRUE(second.source.resumed);
  EXPECT_FALSE(second.source.released);
  EXPECT_TRUE(second.source.running());
}

// A relay that passes a real destination's CHALLENGE to a source and forwards its HELLO
// and sealed HEADER, then sends records of its own: it has no key, so it cannot seal
// them (issue 15 item 2).
TEST(CommitProtocol, AKeylessRelayCannotFollowAGenuineHeaderWithItsOwnRecords) {
  World world;
  std::vector<WireRecord> genuine_records = split_stream(record_stream());
  size_t genuine_prefix = genuine_records[2].offset;  // HELLO and HEADER
  run_with_relay(world, [&](const std::vector<uint8_t>& seen) {
    std::vector<uint8_t> out(seen.begin(),
                             seen.begin() + static_cast<long>(std::min(seen.size(), genuine_prefix)));
    if (seen.size() < genuine_prefix) return out;
    // Its own CPUID, framed as a sealed record with a made-up tag.
    CpuidRecord cpuid = testing::make_cpuid();
    std::vector<uint8_t> record(sealed_record_size(sizeof(cpuid)));
    size_t size = encode_record(record, RecordType::kCpuid, cpuid, Framing::kSealed);
    std::memset(record.data() + size, 0x42, kRecordTagSize);
    out.insert(out.end(), record.begin(), record.end());
    return out;
  });
  expect_forgery_failed(world, "keyless relay");
  EXPECT_EQ(world.receiver->failure().code, StreamError::kRecordForged);
}

}  // namespace
}  // namespace godwit::migration
