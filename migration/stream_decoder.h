// The destination's view of what the source sends: RecordReader's verified records,
// decoded by type and checked against the stream's order and the guest's size
// (docs/migration-stream.md, section 4): HEADER first, CPUID next; then ROUND and PAGE_BATCH
// records; one VCPU_STATE per vCPU; DEVICE_STATE; NET_DEVICE exactly when HEADER has
// kFeatureGuestNic; END, which is accepted only when
// every page of the guest arrived at least once; an optional VERIFY just before END
// asks for the full comparison (verify_requested()); after END only COMMIT (version 3,
// section 8). When HEADER has kFeaturePostcopy (section 12): POSTCOPY_DISCARD among the
// pages, POSTCOPY_SWITCH instead of END after the state, then POSTCOPY_GO, PAGE_BATCHes,
// END and COMMIT; no VERIFY. An unknown optional record is skipped, but never before
// HEADER: nothing unauthenticated is taken. It does not touch a guest: the receiver
// applies what it hands out. With protect() every record (the post-copy ones too) is
// sealed and opened before it is decoded (RecordReader); the digest check needs the guest
// memory, so MigrationReceiver does it.
// What one stream may cost the destination is bounded once HEADER gives the guest's size
// (issue 15, finding 6): each ROUND announces at most the guest's pages and numbers
// rounds 0, 1, 2 ... up to kMaxRounds; the batches after a ROUND (or, before the first,
// the stream's first pass; or after POSTCOPY_GO, the post-copy pass) cover at most what it
// announced (GO: the guest's pages), so no record asks for more page work than one pass
// over the guest; and the stream's bytes stay within what kMaxRounds full passes take on
// the wire (max_stream_bytes). After any fault the decoder stays failed: every later
// next() returns the same fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/page_bitmap.h"
#include "migration/postcopy_decode.h"
#include "migration/record_decode.h"
#include "migration/record_reader.h"
#include "migration/recovery.h"

namespace godwit::migration {

class StreamDecoder {
 public:
  // `body_buffer`: at least kMaxRecordBody bytes. `coverage_bits`: one bit per page of
  // the largest guest this node accepts (PageBitmap::words_for(pages) words).
  StreamDecoder(std::span<uint8_t> body_buffer, std::span<uint64_t> coverage_bits);

  enum class Step { kNeedMore, kRecord, kFault };

  // As RecordReader::next; on kRecord, type() names the record and the matching
  // accessor below holds it until the next call. Unknown optional records are
  // skipped inside this call.
  Step next(std::span<const uint8_t> input, size_t& consumed, StreamFault& fault);
  // The stream was closed: kTruncated unless END (or COMMIT after it) was the last
  // thing received.
  StreamFault finish() const;

  // A recovery connection (section 12.5) continues this stream after a split: a fresh
  // reader for the new connection's bytes, expecting RECOVER first, then the post-copy
  // pass (PAGE_BATCH, END, COMMIT) with a fresh budget of one pass over the guest. What
  // was received before (coverage, HEADER) stays.
  void resume();
  // A recovery connection to a node that holds no stranded migration: RECOVER is opened
  // only to be answered (a guest of any size may be named), nothing after it.
  void answer_recovery() {
    guest_pages_ = UINT64_MAX;
    resume();
  }
  const RecoverRecord& recover() const { return recover_; }

  // RecordReader::protect and limit_body for the reader inside.
  void protect(RecordOpener& opener) { reader_.protect(opener); }
  void limit_body(size_t bytes) { reader_.limit_body(bytes); }
  void start_at(uint64_t offset) { reader_.start_at(offset); }

  RecordType type() const { return type_; }
  const HeaderRecord& header() const { return header_; }
  const CpuidRecord& cpuid() const { return cpuid_; }
  const PageBatchView& batch() const { return batch_; }
  const VcpuStateRecord& vcpu() const { return vcpu_; }
  const DeviceState& device() const { return device_; }
  const NetDeviceRecord& net_device() const { return net_device_; }
  const EndRecord& end() const { return end_; }
  const RoundRecord& round() const { return round_; }
  const CommitRecord& commit() const { return commit_; }
  const PostcopyDiscardRecord& discard() const { return discard_; }
  const PostcopySwitchRecord& postcopy_switch() const { return switch_; }
  const PostcopyGoRecord& go() const { return go_; }
  bool postcopy() const { return (header_.backend_features & kFeaturePostcopy) != 0; }
  // POSTCOPY_GO came: pages from here on are for a guest that runs.
  bool after_go() const {
    return phase_ == Phase::kPostcopy || phase_ == Phase::kEnded || phase_ == Phase::kDone;
  }
  uint64_t guest_pages() const { return guest_pages_; }
  // A VERIFY record came: compare all of memory at END, not only the pages received.
  bool verify_requested() const { return verify_requested_; }
  uint64_t offset() const { return reader_.stream_offset(); }

  // The most bytes a stream for a guest of `guest_pages` may take: kMaxRounds passes
  // over every page as a one-page batch, plus room for the other records.
  static uint64_t max_stream_bytes(uint64_t guest_pages);

 private:
  enum class Phase {
    kHeader,
    kRecover,  // a recovery connection: RECOVER first
    kCpuid,
    kPages,
    kVcpus,
    kDevice,
    kNetDevice,
    kEnd,
    kGo,
    kPostcopy,
    kEnded,
    kDone,
    kFailed
  };

  StreamFault accept(const RawRecord& raw);
  StreamFault accept_header(const RawRecord& raw);
  StreamFault accept_batch(const RawRecord& raw);
  StreamFault accept_vcpu(const RawRecord& raw);
  StreamFault accept_end(const RawRecord& raw);
  StreamFault accept_round(const RawRecord& raw);
  Step failed(StreamFault fault, StreamFault& out);
  StreamFault accept_postcopy(const RawRecord& raw);

  RecordReader reader_;
  std::span<uint64_t> coverage_bits_;
  PageBitmap coverage_;  // pages received at least once
  Phase phase_ = Phase::kHeader;
  uint64_t guest_pages_ = 0;
  uint32_t vcpus_seen_ = 0;
  bool verify_requested_ = false;
  uint32_t rounds_seen_ = 0;
  uint64_t round_pages_left_ = 0;  // what the current round (or the first pass) may still cover
  uint64_t byte_limit_ = 0;        // max_stream_bytes(guest_pages_), set at HEADER
  StreamFault fault_;              // the fault that ended decoding, returned again after it
  RecordType type_ = RecordType::kHeader;
  HeaderRecord header_ = {};
  CpuidRecord cpuid_ = {};
  PageBatchView batch_;
  VcpuStateRecord vcpu_ = {};
  DeviceState device_ = {};
  NetDeviceRecord net_device_ = {};
  EndRecord end_ = {};
  RoundRecord round_ = {};
  CommitRecord commit_ = {};
  PostcopyDiscardRecord discard_ = {};
  PostcopySwitchRecord switch_ = {};
  PostcopyGoRecord go_ = {};
  RecoverRecord recover_ = {};
  std::span<uint8_t> body_buffer_;
};

}  // namespace godwit::migration
