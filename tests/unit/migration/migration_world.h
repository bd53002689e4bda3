// The harness for driving MigrationSender and MigrationReceiver against each other
// through in-memory channels and fake guests: a test of the two state machines (the
// real migration runs between two emulated machines over TCP). Each step of run() is
// one millisecond: both sides pump, the link delivers what was written in irregular
// pieces, and the source guest (while it runs) writes some pages.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>
#include <vector>

#include "migration/migration_receiver.h"
#include "migration/migration_sender.h"
#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"
#include "tests/unit/migration/migration_fakes.h"
#include "tests/unit/migration/stream_builder.h"

namespace godwit::migration::testing {

inline constexpr uint64_t kPages = 1024;  // a 4 MiB guest
inline const std::vector<uint8_t> kKey{'s', 'e', 'c', 'r', 'e', 't'};

class Recorder final : public MigrationObserver {
 public:
  std::vector<RoundStats> rounds;
  int finished = 0;
  int commits = 0;  // on_commit() calls
  void on_round(const RoundStats& round) override { rounds.push_back(round); }
  void on_commit() override { ++commits; }
  void on_finished(const MigrationSummary&) override { ++finished; }
};

struct World {
  explicit World(std::vector<uint8_t> receiver_key = kKey)
      : source(kPages),
        record_buffer(record_size(kMaxRecordBody)),
        send_set(PageBitmap::words_for(kPages)),
        body_buffer(kMaxRecordBody),
        coverage(PageBitmap::words_for(kPages)),
        sent_terms(kPages),
        received_terms(kPages),
        present(PageBitmap::words_for(kPages)),
        requested(PageBitmap::words_for(kPages)),
        destination_key(std::move(receiver_key)) {
    sender_config.key = kKey;
    sender_config.guest_name = "dirtier";
    sender_config.command_line = "rate=100";
    sender_config.backend_name = "AMD-V";
    sender_config.cpuid = make_cpuid();
    sender_config.policy.downtime_target_ns = 20'000'000;  // 20 ms: ~1.3 MB at 64 MB/s
    sender_config.ack_timeout_ns = 2'000'000'000;
    sender_config.commit_timeout_ns = 2'000'000'000;
    for (size_t i = 0; i < kNonceSize; ++i) sender_config.nonce[i] = static_cast<uint8_t>(i * 13 + 200);
    receiver_config.key = destination_key;
    for (size_t i = 0; i < kNonceSize; ++i) receiver_config.nonce[i] = static_cast<uint8_t>(i * 31 + 7);
    rebuild_sender();
    receiver = std::make_unique<MigrationReceiver>(receiver_config, factory, to_source, clock, body_buffer,
                                                   coverage, received_terms);
    receiver->enable_postcopy(present, requested);
  }

  // A new sender with the current sender_config and buffers (after a test changed them).
  void rebuild_sender() {
    sender = std::make_unique<MigrationSender>(sender_config, source, to_destination, clock, record_buffer,
                                               send_set, sent_terms, &recorder);
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
      FakeDestination* arrived = factory.guest.get();
      if (arrived != nullptr && arrived->started && !arrived->stranded && destination_guest)
        destination_guest();
      clock.now += 1'000'000;
    }
    deliver(to_destination, [&](std::span<const uint8_t> b) { receiver->on_receive(b); });
    if (!receiver_saw_close) close_receiver();
  }

  void close_receiver() {
    receiver_saw_close = true;
    receiver->on_channel_closed();
  }

  // Delivers in irregular pieces, as TCP would; `tamper` and `tamper_replies` (an on-path
  // attacker, or a link that loses bytes) may change, drop or replace bytes on the way.
  // Their offset argument and the delivered_* counters are offsets into the stream as its
  // sender wrote it.
  void deliver(FakeChannel& channel, const std::function<void(std::span<const uint8_t>)>& to) {
    std::vector<uint8_t> bytes = channel.take();
    size_t written = bytes.size();
    if (&channel == &to_destination && tamper) tamper(bytes, delivered_to_destination);
    if (&channel == &to_source && tamper_replies) tamper_replies(bytes, delivered_to_source);
    if (&channel == &to_source && drop_replies_after_challenge && delivered_to_source >= 64) bytes.clear();
    (&channel == &to_destination ? delivered_to_destination : delivered_to_source) += written;
    size_t at = 0;
    while (at < bytes.size()) {
      size_t piece = 1 + random() % 3000;
      if (piece > bytes.size() - at) piece = bytes.size() - at;
      to(std::span<const uint8_t>(bytes.data() + at, piece));
      at += piece;
    }
  }

  // The keys of the session between this world's sender and receiver, as a peer holding
  // migrate_key computes them from the clear handshake (to forge "honest" records).
  SessionKeys session_keys() const {
    ChallengeRecord challenge{kStreamMagic, kStreamVersionMajor, kStreamVersionMinor, 0, {}};
    std::memcpy(challenge.nonce, receiver_config.nonce, kNonceSize);
    HelloRecord hello{kStreamMagic,
                      kStreamVersionMajor,
                      kStreamVersionMinor,
                      static_cast<uint8_t>(sender_config.protection),
                      0,
                      {},
                      {}};
    std::memcpy(hello.nonce, sender_config.nonce, kNonceSize);
    std::vector<uint8_t> handshake(sizeof(challenge) + sizeof(hello));
    std::memcpy(handshake.data(), &challenge, sizeof(challenge));
    std::memcpy(handshake.data() + sizeof(challenge), &hello, sizeof(hello));
    auto keys = derive_session_keys(kKey, receiver_config.nonce, sender_config.nonce,
                                    sender_config.protection, handshake);
    if (!keys) throw std::logic_error("no session keys");
    return *keys;
  }

  bool memory_identical() const { return factory.guest && factory.guest->memory == source.memory; }

  // The source was left exactly as a guest that was never migrated, and the guest runs
  // on the source only: the destination started nothing and holds nothing.
  void expect_source_resumed() const {
    EXPECT_TRUE(source.resumed);
    EXPECT_FALSE(source.paused);
    EXPECT_FALSE(source.released);
    EXPECT_FALSE(source.held);
    EXPECT_FALSE(source.tracking_on());
    EXPECT_EQ(sender->summary().outcome, MigrationOutcome::kFailed);
    expect_destination_holds_nothing();
  }

  void expect_destination_holds_nothing() const {
    EXPECT_NE(receiver->outcome(), MigrationReceiver::Outcome::kRunning);
    if (factory.guest) {
      EXPECT_FALSE(factory.guest->started);
      EXPECT_TRUE(factory.guest->discarded);
    }
  }

  // How many nodes run the guest now: the source (resumed, never freed) and the
  // destination (started, never discarded).
  int nodes_running() const {
    int running = source.running() ? 1 : 0;
    if (factory.guest && factory.guest->started && !factory.guest->discarded) ++running;
    return running;
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
  std::vector<uint64_t> sent_terms, received_terms;
  std::vector<uint64_t> present, requested;
  std::vector<uint8_t> destination_key;
  SenderConfig sender_config;
  ReceiverConfig receiver_config;
  std::unique_ptr<MigrationSender> sender;
  std::unique_ptr<MigrationReceiver> receiver;
  std::function<void()> guest;
  std::function<void()> destination_guest;  // runs once per step after the destination started it
  std::function<void(std::vector<uint8_t>&, uint64_t)> tamper;
  std::function<void(std::vector<uint8_t>&, uint64_t)> tamper_replies;
  bool drop_replies_after_challenge = false;
  bool receiver_saw_close = false;
  uint64_t delivered_to_destination = 0, delivered_to_source = 0;
  std::mt19937_64 random{7};
};

// One record of a version-3 stream as it went over the wire.
struct WireRecord {
  uint32_t type;
  size_t offset;  // of its header in the stream
  size_t size;    // header, body, padding and (sealed) tag
};

// Splits a stream written by one side: its first record is clear (CHALLENGE or HELLO),
// every later one sealed. A partial record at the end is left out.
inline std::vector<WireRecord> split_stream(const std::vector<uint8_t>& bytes) {
  std::vector<WireRecord> records;
  size_t at = 0;
  while (bytes.size() - at >= sizeof(RecordHeader)) {
    RecordHeader header{};
    std::memcpy(&header, bytes.data() + at, sizeof(header));
    size_t size = records.empty() ? record_size(header.length) : sealed_record_size(header.length);
    if (bytes.size() - at < size) break;
    records.push_back({header.type, at, size});
    at += size;
  }
  return records;
}

// A QEMU-migration-test-like guest: increments one byte in `pages_per_ms` pages of
// its working set each millisecond, so every page keeps changing.
inline std::function<void()> dirtier(World& world, uint64_t pages_per_ms, uint64_t working_set) {
  return [&world, pages_per_ms, working_set, next = uint64_t{0}]() mutable {
    for (uint64_t i = 0; i < pages_per_ms; ++i, ++next) {
      uint64_t gfn = (next * 7919) % working_set;
      uint8_t old = world.source.memory[gfn * kPageSize + 100];
      world.source.guest_write(gfn, 100, static_cast<uint8_t>(old + 1));
    }
  };
}

}  // namespace godwit::migration::testing
