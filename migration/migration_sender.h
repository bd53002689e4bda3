// MigrationSender: the source side of a live migration, as a state machine the
// kernel's main loop pumps. It authenticates to the destination, sends the guest's
// configuration, then pre-copy rounds while the guest keeps running: round 0 sends
// every page, each next round the pages the guest wrote during the previous one
// (found by write-protection faults, collected into a PageBitmap). When PrecopyPolicy
// says stop, it pauses the guest, sends the last dirty pages, the vCPU and device
// state and END with the memory digest. The digest is kept as pages go out
// (IncrementalDigest), so END costs nothing while the guest is paused; verify mode
// hashes all paused memory instead and fails here if it differs from what was sent
// (decision 0010).
// Stream version 3: the destination's CHALLENGE and this side's HELLO (its own fresh
// nonce and the protection mode) are the only clear records; every other record both
// ways is sealed with per-direction keys of this session (sealed_records.h), the
// post-copy records too.
// The mode (migration_mode.h) changes the shape: stop-and-copy pauses at once and sends
// everything as its one (final) round; post-copy pauses at once and sends only the state,
// then, once the destination is READY, tells it to run the guest (GO) and pushes the
// pages in the background, those it asks for (PAGE_REQUEST) first; hybrid runs a few
// pre-copy rounds first, then post-copy for what is still dirty (POSTCOPY_DISCARD names
// the destination's stale pages). See migration_sender_postcopy.cpp.
// The commit (docs/migration-stream.md, section 8; decision 0017): the destination's
// sealed VERIFIED names our digest; we answer COMMIT and from then on never resume the
// guest on our own; its COMMITTED lets us free the guest. Any failure before COMMIT
// resumes the guest here, untouched. After COMMIT only a sealed NACK resumes it; a
// silence, a close or a forged record leaves it paused for an operator to settle
// (MigrationOutcome::kUnsettled). In post-copy and hybrid, READY/GO (the switch) plays
// COMMIT's part for the running guest (section 12): after it the guest is never resumed
// here, whatever happens; VERIFIED, COMMIT and COMMITTED still close the stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "migration/demand_queue.h"
#include "migration/memory_digest.h"
#include "migration/migration_mode.h"
#include "migration/migration_ports.h"
#include "migration/migration_stats.h"
#include "migration/precopy_policy.h"
#include "migration/record_output.h"
#include "migration/record_protection.h"
#include "migration/record_reader.h"
#include "migration/recovery.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

struct SenderConfig {
  std::span<const uint8_t> key;    // migrate_key, the same on both nodes
  uint8_t nonce[kNonceSize] = {};  // this side's fresh random bytes (kernel/migrate/nonce.h)
  // Integrity-only by default (decision 0013): every record authenticated; `migrate
  // --protect encrypted` also keeps guest memory secret on the wire, at a CPU cost.
  Protection protection = Protection::kIntegrityOnly;
  const char* guest_name = "";
  const char* command_line = "";
  const char* backend_name = "";
  x86::GuestCpuid cpuid;  // the guest's CPU model, sent in the CPUID record
  PrecopyParameters policy;
  MigrationMode mode = MigrationMode::kPrecopy;
  // Hybrid: pre-copy rounds at most (round 0 included), fewer when the policy stops
  // earlier (the dirty set stops shrinking, or fits the downtime target).
  uint32_t hybrid_max_rounds = 3;
  // After the switch the guest's memory is split between the nodes: wait this long for a
  // broken link to come back (TCP retransmits meanwhile) before declaring the split.
  uint64_t postcopy_stall_timeout_ns = 120'000'000'000;
  // Pages per PAGE_BATCH after the switch: small, so an asked-for page waits behind
  // little of the background push.
  uint32_t postcopy_batch_pages = 4;
  // Verify mode (`migrate --verify`): hash all of the paused memory, check it against
  // the pages sent, and ask the destination (VERIFY) to compare all of its memory too.
  bool verify = false;
  // END sent -> VERIFIED. Covers verify mode's pass over all memory on the destination:
  // about 0.6 s per 64 MiB under Bochs (10 s per GiB), milliseconds on hardware. Past it
  // the guest resumes here (the destination runs nothing without COMMIT).
  uint64_t ack_timeout_ns = 30'000'000'000;
  // COMMIT sent -> COMMITTED. Past it the guest stays paused, unsettled.
  uint64_t commit_timeout_ns = 30'000'000'000;
  // No byte accepted or received for this long. See stall_timeout_for() for large guests.
  uint64_t stall_timeout_ns = 10'000'000'000;
  uint64_t pump_bytes = 256 * 1024ull;  // records produced per pump() call, at most
  // Pages put in batches per pump() call, at most, zero pages included: a zero page costs
  // 16 bytes on the wire, so pump_bytes alone let one call take a whole round of a
  // mostly empty guest (8 MiB in one call), and the guests, which run between calls,
  // stopped answering the network for the whole round (decision 0016). Data pages are
  // bounded by pump_bytes first (about 64 a call); 1024 keeps a zero-page call to a few
  // ms of scanning without giving a busy guest a slice per handful of zero pages.
  uint64_t pump_pages = 1024;
  // Pages per PAGE_BATCH, at most kMaxBatchEntries. A record is checksummed whole
  // before its first byte goes out: with one 128-page batch (526 KB) per buffer the
  // link idled while each batch was copied and hashed (bench migrate: 0.51 of tcpbench
  // on a loaded machine). With 16-page batches and a record buffer of several, the next
  // batch is built while earlier ones still wait for the send window, and the
  // destination verifies and applies them in small steps, so its ACKs keep flowing.
  // Overhead stays 16 bytes a page plus a 24-byte record header per 16 pages (0.4%).
  uint32_t batch_pages = 16;
  uint64_t digest_pages_per_pump = 512;  // 2 MiB hashed per pump() call
};

// The stall limit for a guest of `memory_bytes`: the destination builds the guest (takes
// and zeroes all its memory) between HEADER and its first reply, in one go, and that took
// over 10 s for 1 GiB under TCG on a loaded machine, so 20 ms more per MiB than `base`.
constexpr uint64_t stall_timeout_for(uint64_t memory_bytes, uint64_t base) {
  return base + (memory_bytes >> 20) * 20'000'000;
}

// Wire bytes of a sealed PAGE_BATCH record of `pages` data pages: size record buffers
// with it.
constexpr size_t batch_record_size(uint32_t pages) {
  return record_size(sizeof(PageBatchHeader) + size_t{pages} * (sizeof(PageEntry) + kPageSize)) +
         kRecordTagSize;
}

// At most, a post-copy PAGE_BATCH of `data_pages` data pages: theirs and kMaxBatchEntries
// entries, some of them zero runs (send_postcopy_batch).
constexpr size_t postcopy_batch_record_size(uint32_t data_pages) {
  return record_size(sizeof(PageBatchHeader) + size_t{data_pages} * kPageSize +
                     size_t{kMaxBatchEntries} * sizeof(PageEntry)) +
         kRecordTagSize;
}

class MigrationSender {
 public:
  // `record_buffer` holds the record being sent: at least kMinRecordBuffer bytes (a
  // batch of one page), ideally record_size(kMaxRecordBody) (full 128-entry batches:
  // less header overhead). `send_set_bits`: PageBitmap::words_for(source.page_count()).
  // `digest_terms`: source.page_count() words (one digest term per page).
  static constexpr size_t kMinRecordBuffer = batch_record_size(1);
  MigrationSender(const SenderConfig& config, MigrationSource& source, ByteChannel& channel, Clock& clock,
                  std::span<uint8_t> record_buffer, std::span<uint64_t> send_set_bits,
                  std::span<uint64_t> digest_terms, MigrationObserver* observer = nullptr);

  // Call once the connection is up; the sender then waits for CHALLENGE.
  void start();
  // Bytes from the destination (CHALLENGE, then VERIFIED, COMMITTED or NACK).
  void on_receive(std::span<const uint8_t> bytes);
  // The connection closed or broke.
  void on_channel_closed();
  // Does a bounded amount of work: sends what the window takes, builds the next
  // records, hashes memory, checks timeouts.
  void pump();

  // Post-copy recovery (section 12.5; decision 0023). A migration that failed after the
  // switch (outcome "split") keeps everything it needs to go on: the paused guest, the send
  // set and the digest. resume() continues it over a new connection (call it once that is
  // open, instead of start(), with a fresh nonce): HELLO with kHelloRecovery, RECOVER (this
  // migration's identity), then the destination's missing set becomes the send set, and
  // the stream ends as every post-copy stream does. A failure during recovery is "split"
  // again, and resume() may be tried again. False (nothing changes) unless recoverable().
  bool recoverable() const {
    return finished() && switched_ && !settled_ && summary_.outcome == MigrationOutcome::kFailed;
  }
  bool resume(const uint8_t (&nonce)[kNonceSize]);

  // start() was called: the connection opened.
  bool started() const { return phase_ != Phase::kIdle; }
  bool finished() const { return summary_.outcome != MigrationOutcome::kInProgress; }
  const MigrationSummary& summary() const { return summary_; }

 private:
  enum class Phase {
    kIdle,
    kAwaitChallenge,
    kAwaitPrepared,  // post-copy: HEADER and CPUID sent, the destination builds the guest
    kRounds,
    kDiscard,  // hybrid: POSTCOPY_DISCARD records, then the pages sent with the state
    kState,
    kVerify,
    kAwaitReady,    // post-copy: SWITCH sent, waiting for the destination's READY
    kAwaitMissing,  // recovery: RECOVER sent, reading the destination's missing set
    kPostcopy,      // post-copy: the guest runs there; pushing, and answering PAGE_REQUESTs
    kEnd,
    kAwaitVerified,
    kAwaitCommitted,
    kFinished
  };

  void accept_reply(const RawRecord& raw);
  void accept_challenge(const RawRecord& raw);
  // HELLO with our nonce and `flags` answers `challenge`: derives the session's keys from
  // both nonces and the handshake, seals every record from here on and queues HELLO
  // (clear, the last one). False once it has failed the migration.
  bool send_hello(const ChallengeRecord& challenge, uint8_t flags, HelloRecord& hello);
  void accept_verified(const RawRecord& raw);
  void accept_committed(const RawRecord& raw);
  bool produce();  // false when there is nothing to send now
  void queue_header();
  void begin_round(uint32_t number, bool final);
  bool send_next_batch();
  size_t batch_record_bytes() const;
  bool can_produce();
  void end_round();
  void stop_and_copy();
  void pause_and_capture();
  // --- post-copy and hybrid (migration_sender_postcopy.cpp)
  void begin_switch();
  bool queue_discards();
  void queue_switch();
  void accept_prepared(const RawRecord& raw);
  void accept_ready(const RawRecord& raw);
  void accept_page_request(const RawRecord& raw);
  // --- recovery (migration_sender_recovery.cpp)
  void accept_recovery_challenge(const ChallengeRecord& challenge);
  void accept_missing(const RawRecord& raw);
  void accept_recovery_verdict(uint64_t detail);
  bool send_postcopy_batch();
  bool add_postcopy_page(PageBatchEncoder& batch, uint64_t gfn, bool demanded);
  void queue_state();
  bool step_verify();
  void queue_end();
  void mark_output_idle();
  void account_pause(uint64_t end_ns, bool released);
  template <class Body>
  void queue_record(RecordType type, const Body& body);
  void check_timeouts();
  // Ends a failed migration: before COMMIT (or on the destination's sealed NACK, which
  // proves it will never run the guest) the guest resumes here; after COMMIT otherwise it
  // is held for settlement.
  void fail(StreamFault fault, bool destination_refused = false);
  void finish(MigrationOutcome outcome);

  SenderConfig config_;
  MigrationSource& source_;
  ByteChannel& channel_;
  Clock& clock_;
  MigrationObserver* observer_;
  RecordOutput output_;
  PageBitmap send_set_;
  PrecopyPolicy policy_;
  IncrementalDigest sent_digest_;  // of every page as last sent
  MemoryDigest full_digest_;       // verify mode: of the paused memory
  // RECOVER_MISSING (528 bytes) is the largest reply; room for optional ones.
  uint8_t reply_buffer_[640] = {};
  RecordReader replies_;
  RecordSealer sealer_;  // source -> destination, keyed at CHALLENGE
  RecordOpener opener_;  // destination -> source, keyed at CHALLENGE

  Phase phase_ = Phase::kIdle;
  bool committed_ = false;  // COMMIT was queued: never resume on our own from now on
  bool tracking_ = false;   // the source guest was touched (tracked or paused): a failure must undo it
  // The destination was READY and told to run the guest: from here on the source never
  // resumes it (its memory is split), and frees it only after COMMITTED.
  bool switched_ = false;
  uint64_t discard_cursor_ = 0;  // hybrid: next gfn to look at for POSTCOPY_DISCARD
  uint64_t push_cursor_ = 0;     // post-copy: next gfn to look at for the background push
  DemandQueue demand_;
  std::span<uint8_t> record_buffer_;  // output_'s, for a recovery connection's fresh one
  SessionId session_;                 // this migration's identity (the first connection's handshake)
  bool recovering_ = false;           // this connection is a recovery (resume())
  bool settled_ = false;              // the destination's sealed verdict ended any recovery
  MissingSetReader missing_;
  uint64_t cursor_ = 0;  // next gfn to look at in send_set_
  RoundStats round_;
  uint64_t round_start_ns_ = 0;
  uint64_t started_ns_ = 0, paused_ns_ = 0, reply_deadline_ns_ = 0, last_progress_ns_ = 0;
  // The pause's milestones (0 = not reached): see PauseSteps.
  uint64_t pages_out_ns_ = 0, state_out_ns_ = 0, end_built_ns_ = 0, end_out_ns_ = 0, verified_in_ns_ = 0,
           committed_in_ns_ = 0;
  uint64_t data_pages_ = 0;
  uint64_t produced_ = 0;  // bytes queued during the current pump()
  uint64_t batched_ = 0;   // pages batched during the current pump()
  x86::VcpuState vcpu_ = {};
  DeviceState device_ = {};
  NetDeviceRecord nic_ = {};
  MigrationSummary summary_;
};

// Defined here, not in the .cpp: migration_sender_postcopy.cpp queues records too. Every
// record after HELLO is sealed, the post-copy ones too (section 5).
template <class Body>
inline void MigrationSender::queue_record(RecordType type, const Body& body) {
  size_t size = encode_sealed(output_.space(), type, body, sealer_);
  if (size == 0) return fail(fault(StreamError::kRecordTooLong, sizeof(Body), output_.space().size()));
  output_.queue(size);
  produced_ += size, summary_.wire_bytes += size, round_.wire_bytes += size;
  if (phase_ == Phase::kState || phase_ == Phase::kVerify || phase_ == Phase::kEnd)
    summary_.state_bytes += size;
}

}  // namespace godwit::migration
