// MigrationReceiver: the destination side of a live migration, created for each
// connection to the migration port and pumped by the kernel's main loop. It sends a
// fresh nonce (CHALLENGE) and takes the source's HELLO (its nonce and the protection
// mode), the last clear record: from then on every record both ways is sealed with
// keys derived from the shared key and both nonces (docs/migration-stream.md, section
// 5). Until the source's first sealed record (HEADER) opens, the source is a stranger:
// it gets a 48-byte buffer, records no longer than a HEADER, an absolute deadline, and
// no guest. Then the receiver creates the guest, writes pages as batches arrive (the
// last copy of a page wins), keeping the memory digest up to date as it copies them
// (IncrementalDigest), and on END checks that every page arrived and that its digest
// equals the source's (in verify mode, VERIFY, also over all the memory it assembled).
// It loads the vCPU and device state and sends VERIFIED; the guest runs here only when
// the source's COMMIT arrives, and COMMITTED tells the source to free its copy (section
// 8). On any error before COMMIT it discards the guest and, once keys exist, sends a
// sealed NACK with the reason: the source keeps its guest. After COMMIT nothing makes it
// discard the running guest.
// Post-copy and hybrid (HEADER kFeaturePostcopy, section 12; only once enable_postcopy()
// gave it the presence map's storage): at POSTCOPY_SWITCH it loads the state, has the
// guest's absent pages unmapped and answers READY; at GO it starts the guest (GO is this
// guest's COMMIT); pages that come after are written only where absent (PostcopyPages),
// and the guest's faults on absent pages become PAGE_REQUESTs (request_page). END then
// finds every page present and the digest equal; VERIFIED, COMMIT and COMMITTED close
// the stream as in pre-copy. A failure after GO strands the guest (paused, kept) instead
// of discarding it. Every post-copy record both ways is sealed like the rest. See
// migration_receiver_postcopy.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "migration/memory_digest.h"
#include "migration/migration_ports.h"
#include "migration/migration_stats.h"
#include "migration/outcome_book.h"
#include "migration/postcopy_pages.h"
#include "migration/record_output.h"
#include "migration/record_protection.h"
#include "migration/recovery.h"
#include "migration/sealed_records.h"
#include "migration/stream_decoder.h"

namespace godwit::migration {

struct ReceiverConfig {
  std::span<const uint8_t> key;    // migrate_key, the same on both nodes
  uint8_t nonce[kNonceSize] = {};  // fresh random bytes for this connection (kernel/migrate/nonce.h)
  // From the connection to the source's first sealed record (HEADER) opened: an absolute
  // deadline, which no byte moves (issue 15 item 5).
  uint64_t handshake_timeout_ns = 10'000'000'000;
  // After that, no record opened for this long (in verify mode the source hashes its
  // paused memory before END: up to ~10 s for 1 GiB under Bochs).
  uint64_t idle_timeout_ns = 30'000'000'000;
  // VERIFIED handed to TCP -> COMMIT. Past it the guest is discarded: the source keeps
  // its copy until COMMITTED, so giving up here never loses the guest.
  uint64_t commit_timeout_ns = 30'000'000'000;
  bool require_encryption = false;  // refuse a source that asks for integrity-only
  uint64_t digest_pages_per_pump = 512;
  // After GO: no byte from the source for this long before the split is declared (a
  // broken link that comes back within it loses nothing: TCP retransmits).
  uint64_t postcopy_idle_timeout_ns = 120'000'000'000;
  // What this node remembers of migrations it received. With it, a recovery that finds no
  // stranded migration here is answered (sealed) with the verdict on the one it names;
  // without it, refused unanswered (section 12.5).
  const OutcomeBook* outcomes = nullptr;
};

struct ReceiverStats {
  uint64_t records = 0;
  uint64_t pages_received = 0;  // zero pages included, re-sent pages counted again
  uint64_t zero_pages = 0;
  uint64_t bytes_received = 0;
  uint32_t rounds = 0;  // ROUND records seen
  bool verify = false;  // the source asked for verify mode: all memory was compared
  bool digest_verified = false;
  bool verified_sent = false;          // VERIFIED was queued: the loaded guest waits for COMMIT
  bool encrypted = false;              // the session's protection mode
  bool committed_unconfirmed = false;  // the guest runs, but COMMITTED could not be handed to TCP
  ArrivalSteps steps;                  // END's arrival -> the guest started (this node's clock)
  bool postcopy = false;               // the stream switched to post-copy (HEADER kFeaturePostcopy)
  bool stranded = false;               // failed after GO, before COMMIT: the guest is paused here
  uint64_t discarded_pages = 0;        // POSTCOPY_DISCARD: stale after pre-copy
  uint64_t present_at_switch = 0;
  uint64_t page_requests = 0;    // PAGE_REQUESTs sent
  uint64_t demand_pages = 0;     // asked-for pages that arrived before the push brought them
  uint64_t duplicate_pages = 0;  // arrived after the switch while already present: dropped
  uint64_t switch_to_go_ns = 0;  // READY queued -> GO in, the guest started (a round trip)
  SwitchSteps switch_steps;      // SWITCH in -> the guest started (this node's clock)
};

class MigrationReceiver {
 public:
  // `body_buffer`: at least kMaxRecordBody bytes (one whole batch is opened and verified
  // before any of its pages is used). `coverage_bits`: PageBitmap::words_for(pages of the
  // largest guest this node accepts); `digest_terms`: one word per page of it.
  MigrationReceiver(const ReceiverConfig& config, DestinationGuestFactory& factory, ByteChannel& channel,
                    Clock& clock, std::span<uint8_t> body_buffer, std::span<uint64_t> coverage_bits,
                    std::span<uint64_t> digest_terms);

  // Call once the connection is accepted: queues CHALLENGE.
  void start();
  void on_receive(std::span<const uint8_t> bytes);
  void on_channel_closed();
  void pump();
  // Storage for post-copy's presence map: PageBitmap::words_for(pages of the largest
  // guest this node accepts) words each. Without it a post-copy HEADER is refused.
  void enable_postcopy(std::span<uint64_t> present_bits, std::span<uint64_t> requested_bits);
  // After GO, the guest touched absent page `gfn` (its vCPU now waits): asks the source for
  // it unless asked already. True when the page is in fact present (run the guest again).
  bool request_page(uint64_t gfn);

  // Post-copy recovery (section 12.5; decision 0023). A stranded migration (failed after
  // GO, before COMMIT) keeps its guest (paused), the presence map, the digest terms and the
  // decoder's coverage; resume() readies it for a new connection (call it before that
  // connection's start(), with a fresh nonce). Only a source that sends a recovery HELLO
  // and a RECOVER naming this migration gets anything; then the guest runs again, the
  // missing set goes back (RECOVER_MISSING), outstanding requests are sent again, and the
  // stream ends as every post-copy stream does. A failure strands the guest again. False
  // (nothing changes) unless recoverable().
  bool recoverable() const { return outcome_ == Outcome::kFailed && stats_.stranded && guest_ != nullptr; }
  bool resume(const uint8_t (&nonce)[kNonceSize]);
  // This connection is (or was to be) a recovery.
  bool recovering() const { return recovering_; }
  // The migration this connection carried was identified (HELLO opened; not a connection
  // that only answered a recovery): session() names it, verdict() says how it ended here
  // once it has (kRunsHere, kNeverRan; kUnknown while it runs or when it stranded).
  bool identified() const { return identified_; }
  const SessionId& session() const { return session_; }
  RecoveryVerdict verdict() const;

  enum class Outcome : uint8_t { kInProgress, kRunning, kFailed };
  Outcome outcome() const { return outcome_; }
  const StreamFault& failure() const { return failure_; }
  const ReceiverStats& stats() const { return stats_; }
  const HeaderRecord& header() const { return decoder_.header(); }
  // The source's first sealed record opened: it holds the key.
  bool authenticated() const { return authenticated_; }

 private:
  enum class Phase {
    kIdle,
    kHello,
    kReceiving,
    kAwaitGo,
    kSendMissing,  // recovery: RECOVER accepted, RECOVER_MISSING chunks going out
    kPostcopy,
    kVerifying,
    kAwaitCommit,
    kCommitted,
    kDone
  };

  void accept_hello(const RawRecord& raw);
  void apply_record();
  void apply_batch();
  void verify_step();
  void send_verified();
  void commit();
  void finish_running();
  void fail(StreamFault fault);
  void flush();
  // Seals and queues one reply record; false when the output buffer has no room for it now.
  template <class Body>
  bool queue_reply(RecordType type, const Body& body) {
    size_t size = encode_sealed(output_.space(), type, body, sealer_);
    if (size == 0) return false;
    output_.queue(size);
    return true;
  }
  // --- post-copy (migration_receiver_postcopy.cpp)
  void apply_discard();
  void apply_switch();
  void apply_go();
  void apply_postcopy_batch();
  bool place_postcopy_page(const PageRun& run, uint64_t gfn);
  void strand_guest();
  // --- recovery (migration_receiver_recovery.cpp)
  bool check_hello_kind(const HelloRecord& hello, const RawRecord& raw);
  void apply_recover();
  void answer_recovery();
  void send_missing();

  ReceiverConfig config_;
  DestinationGuestFactory& factory_;
  ByteChannel& channel_;
  Clock& clock_;
  ChallengeRecord challenge_ = {};
  uint8_t hello_buffer_[sizeof(HelloRecord)] = {};  // all a stranger gets before it authenticates
  RecordReader hello_reader_;
  StreamDecoder decoder_;
  RecordSealer sealer_;  // destination -> source, keyed at HELLO
  RecordOpener opener_;  // source -> destination, keyed at HELLO
  bool keyed_ = false;
  bool authenticated_ = false;
  // CHALLENGE, VERIFIED, COMMITTED, NACK or READY (64 bytes at most), or sealed
  // PAGE_REQUESTs (48 bytes each): a request that finds no room is not sent, and the push
  // brings the page anyway.
  // A sealed RECOVER_MISSING takes 560 bytes.
  uint8_t out_buffer_[2048] = {};
  RecordOutput output_;
  DestinationGuest* guest_ = nullptr;
  bool started_ = false;  // COMMIT came and the guest runs: nothing may discard it now
  std::span<uint64_t> digest_terms_;
  IncrementalDigest received_digest_;  // of every page as last written
  MemoryDigest full_digest_{0};        // verify mode: of all memory as assembled
  x86::VcpuState vcpu_ = {};
  DeviceState device_ = {};
  NetDeviceRecord net_device_ = {};
  bool has_net_device_ = false;
  Phase phase_ = Phase::kIdle;
  Outcome outcome_ = Outcome::kInProgress;
  StreamFault failure_;
  ReceiverStats stats_;
  uint64_t handshake_deadline_ns_ = 0, last_progress_ns_ = 0, commit_deadline_ns_ = 0;
  uint64_t end_in_ns_ = 0, verified_ns_ = 0, verified_queued_ns_ = 0, verified_out_ns_ = 0, commit_in_ns_ = 0;
  std::span<uint64_t> present_bits_, requested_bits_;
  PostcopyPages pages_;
  bool running_ = false;  // post-copy: the guest runs (GO came), not yet committed
  uint64_t ready_ns_ = 0, ready_out_ns_ = 0;
  SessionId session_;            // this migration's identity (the first connection's handshake)
  bool recovering_ = false;      // this connection continues a stranded migration
  bool identified_ = false;      // session_ names this connection's migration
  bool answering_ = false;       // a recovery found nothing here: RECOVER gets a verdict
  bool guest_stranded_ = false;  // strand() was called and no rejoin() since
  uint64_t missing_cursor_ = 0;  // recovery: the next RECOVER_MISSING chunk's first gfn
};

}  // namespace godwit::migration
