// The destination's view of what the source sends: RecordReader's verified records,
// decoded by type and checked against the stream's order and the guest's size
// (docs/migration-stream.md, section 4): HEADER first, CPUID next; then ROUND and PAGE_BATCH
// records; one VCPU_STATE per vCPU; DEVICE_STATE; NET_DEVICE exactly when HEADER has
// kFeatureGuestNic; END, which is accepted only when
// every page of the guest arrived at least once; an optional VERIFY just before END
// asks for the full comparison (verify_requested()). When HEADER has kFeaturePostcopy
// (section 12): POSTCOPY_DISCARD among the pages, POSTCOPY_SWITCH instead of END after
// the state, then POSTCOPY_GO, PAGE_BATCHes and END; no VERIFY. It does not touch a guest: the
// receiver applies what it hands out. Digest and MAC checks need the guest memory and
// the key, so MigrationReceiver does those.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/page_bitmap.h"
#include "migration/postcopy_decode.h"
#include "migration/record_decode.h"
#include "migration/record_reader.h"

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
  // The stream was closed: kTruncated unless END was the last thing received.
  StreamFault finish() const;

  RecordType type() const { return type_; }
  const HeaderRecord& header() const { return header_; }
  const CpuidRecord& cpuid() const { return cpuid_; }
  const PageBatchView& batch() const { return batch_; }
  const VcpuStateRecord& vcpu() const { return vcpu_; }
  const DeviceState& device() const { return device_; }
  const NetDeviceRecord& net_device() const { return net_device_; }
  const EndRecord& end() const { return end_; }
  const RoundRecord& round() const { return round_; }
  const PostcopyDiscardRecord& discard() const { return discard_; }
  const PostcopySwitchRecord& postcopy_switch() const { return switch_; }
  const PostcopyGoRecord& go() const { return go_; }
  bool postcopy() const { return (header_.backend_features & kFeaturePostcopy) != 0; }
  // POSTCOPY_GO came: pages from here on are for a guest that runs.
  bool after_go() const { return phase_ == Phase::kPostcopy || phase_ == Phase::kDone; }
  uint64_t guest_pages() const { return guest_pages_; }
  // A VERIFY record came: compare all of memory at END, not only the pages received.
  bool verify_requested() const { return verify_requested_; }
  uint64_t offset() const { return reader_.stream_offset(); }

 private:
  enum class Phase {
    kHeader,
    kCpuid,
    kPages,
    kVcpus,
    kDevice,
    kNetDevice,
    kEnd,
    kGo,
    kPostcopy,
    kDone,
    kFailed
  };

  StreamFault accept(const RawRecord& raw);
  StreamFault accept_header(const RawRecord& raw);
  StreamFault accept_batch(const RawRecord& raw);
  StreamFault accept_vcpu(const RawRecord& raw);
  StreamFault accept_end(const RawRecord& raw);
  StreamFault accept_postcopy(const RawRecord& raw);

  RecordReader reader_;
  std::span<uint64_t> coverage_bits_;
  PageBitmap coverage_;  // pages received at least once
  Phase phase_ = Phase::kHeader;
  uint64_t guest_pages_ = 0;
  uint32_t vcpus_seen_ = 0;
  bool verify_requested_ = false;
  RecordType type_ = RecordType::kHeader;
  HeaderRecord header_ = {};
  CpuidRecord cpuid_ = {};
  PageBatchView batch_;
  VcpuStateRecord vcpu_ = {};
  DeviceState device_ = {};
  NetDeviceRecord net_device_ = {};
  EndRecord end_ = {};
  RoundRecord round_ = {};
  PostcopyDiscardRecord discard_ = {};
  PostcopySwitchRecord switch_ = {};
  PostcopyGoRecord go_ = {};
};

}  // namespace godwit::migration
