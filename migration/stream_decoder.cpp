#include "migration/stream_decoder.h"

namespace godwit::migration {

StreamDecoder::StreamDecoder(std::span<uint8_t> body_buffer, std::span<uint64_t> coverage_bits)
    : reader_(body_buffer),
      coverage_bits_(coverage_bits),
      coverage_(coverage_bits, 0),
      body_buffer_(body_buffer) {}

void StreamDecoder::resume() {
  reader_ = RecordReader(body_buffer_);
  fault_ = {};
  phase_ = Phase::kRecover;
}

StreamDecoder::Step StreamDecoder::next(std::span<const uint8_t> input, size_t& consumed,
                                        StreamFault& fault) {
  consumed = 0;
  if (phase_ == Phase::kFailed) {  // no byte after a fault is looked at
    fault = fault_;
    return Step::kFault;
  }
  while (true) {
    size_t used = 0;
    RawRecord raw{};
    RecordReader::Step step = reader_.next(input.subspan(consumed), used, raw, fault);
    consumed += used;
    if (step == RecordReader::Step::kNeedMore) return Step::kNeedMore;
    if (step == RecordReader::Step::kFault) return failed(fault, fault);
    if (byte_limit_ != 0 && reader_.stream_offset() > byte_limit_) {
      return failed(
          StreamFault{StreamError::kOverBudget, raw.type, raw.offset, reader_.stream_offset(), byte_limit_},
          fault);
    }
    if (!is_known_type(raw.type)) {
      if (phase_ != Phase::kHeader && phase_ != Phase::kRecover)
        continue;  // an optional record we do not know
      // Before HEADER (or RECOVER) nothing unauthenticated is taken.
      return failed(StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0}, fault);
    }
    if (StreamFault f = accept(raw); !f.ok()) return failed(f, fault);
    return Step::kRecord;
  }
}

StreamDecoder::Step StreamDecoder::failed(StreamFault why, StreamFault& out) {
  phase_ = Phase::kFailed;
  fault_ = why;
  out = why;
  return Step::kFault;
}

uint64_t StreamDecoder::max_stream_bytes(uint64_t guest_pages) {
  // Every page alone in a sealed batch record: record header, batch header, entry, data
  // and tag.
  constexpr uint64_t kPerPage =
      sizeof(RecordHeader) + sizeof(PageBatchHeader) + sizeof(PageEntry) + kPageSize + kRecordTagSize;
  // HEADER, CPUID, state records, VERIFY, END and a ROUND per round, generously.
  constexpr uint64_t kOtherRecords = 1 << 20;
  return uint64_t{kMaxRounds} *
             (guest_pages * kPerPage + sizeof(RecordHeader) + padded(sizeof(RoundRecord)) + kRecordTagSize) +
         kOtherRecords;
}

// Dispatches by type and enforces the order of section 4.
StreamFault StreamDecoder::accept(const RawRecord& raw) {
  auto type = static_cast<RecordType>(raw.type);
  auto unexpected = StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0};
  type_ = type;
  switch (type) {
    case RecordType::kHeader:
      if (phase_ != Phase::kHeader) return unexpected;
      return accept_header(raw);
    case RecordType::kCpuid:
      if (phase_ != Phase::kCpuid) return unexpected;
      phase_ = Phase::kPages;
      return decode_cpuid(raw, cpuid_);
    case RecordType::kRound:
      if (phase_ != Phase::kPages) return unexpected;
      return accept_round(raw);
    case RecordType::kPageBatch:
      if (phase_ != Phase::kPages && phase_ != Phase::kPostcopy) return unexpected;
      return accept_batch(raw);
    case RecordType::kVcpuState:
      if (phase_ != Phase::kPages && phase_ != Phase::kVcpus) return unexpected;
      return accept_vcpu(raw);
    case RecordType::kDeviceState:
      if (phase_ != Phase::kDevice) return unexpected;
      phase_ = (header_.backend_features & kFeatureGuestNic) != 0 ? Phase::kNetDevice : Phase::kEnd;
      return decode_device_state(raw, device_);
    case RecordType::kNetDevice:
      if (phase_ != Phase::kNetDevice) return unexpected;
      phase_ = Phase::kEnd;
      return decode_net_device(raw, net_device_);
    case RecordType::kPostcopyDiscard:
    case RecordType::kPostcopySwitch:
    case RecordType::kPostcopyGo:
      if (!postcopy()) return unexpected;
      return accept_postcopy(raw);
    case RecordType::kVerify: {
      if (phase_ != Phase::kEnd || verify_requested_ || postcopy()) return unexpected;
      VerifyRecord verify{};
      if (auto f = decode_verify(raw, verify); !f.ok()) return f;
      verify_requested_ = true;
      return {};
    }
    case RecordType::kEnd:
      if (phase_ != (postcopy() ? Phase::kPostcopy : Phase::kEnd)) return unexpected;
      return accept_end(raw);
    case RecordType::kRecover:
      if (phase_ != Phase::kRecover) return unexpected;
      if (auto f = decode_recover(raw, guest_pages_, recover_); !f.ok()) return f;
      phase_ = Phase::kPostcopy;
      round_pages_left_ = guest_pages_;  // the pass resumes: at most one more over the guest
      return {};
    case RecordType::kCommit:
      if (phase_ != Phase::kEnded) return unexpected;
      phase_ = Phase::kDone;
      return decode_commit(raw, commit_);
    default: return unexpected;  // CHALLENGE, VERIFIED, COMMITTED, NACK go the other way; HELLO precedes
  }
}

StreamFault StreamDecoder::accept_header(const RawRecord& raw) {
  if (auto f = decode_header(raw, header_); !f.ok()) return f;
  guest_pages_ = header_.memory_bytes / kPageSize;
  if (PageBitmap::words_for(guest_pages_) > coverage_bits_.size()) {
    return StreamFault{StreamError::kBadHeaderField, raw.type, raw.offset, header_.memory_bytes,
                       coverage_bits_.size() * 64 * kPageSize};
  }
  coverage_ = PageBitmap(coverage_bits_, guest_pages_);
  round_pages_left_ = guest_pages_;
  byte_limit_ = max_stream_bytes(guest_pages_);
  phase_ = Phase::kCpuid;
  return {};
}

// A round sends each page at most once, so its batches cover at most what its ROUND
// announced (at most the guest's pages): 128 zero runs of a whole guest each in one
// 2 KiB record are refused before any page is touched.
StreamFault StreamDecoder::accept_batch(const RawRecord& raw) {
  if (auto f = batch_.decode(raw, guest_pages_); !f.ok()) return f;
  if (batch_.page_count() > round_pages_left_) {
    return StreamFault{StreamError::kOverBudget, raw.type, raw.offset, batch_.page_count(),
                       round_pages_left_};
  }
  round_pages_left_ -= batch_.page_count();
  batch_.for_each([this](const PageRun& run) { (void)coverage_.mark_range(run.gfn, run.pages); });
  return {};
}

StreamFault StreamDecoder::accept_round(const RawRecord& raw) {
  if (auto f = decode_round(raw, round_); !f.ok()) return f;
  if (round_.round != rounds_seen_) {
    return StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, round_.round, rounds_seen_};
  }
  if (rounds_seen_ == kMaxRounds) {
    return StreamFault{StreamError::kOverBudget, raw.type, raw.offset, rounds_seen_ + 1, kMaxRounds};
  }
  if (round_.pages > guest_pages_) {
    return StreamFault{StreamError::kOverBudget, raw.type, raw.offset, round_.pages, guest_pages_};
  }
  ++rounds_seen_;
  round_pages_left_ = round_.pages;
  return {};
}

StreamFault StreamDecoder::accept_vcpu(const RawRecord& raw) {
  if (auto f = decode_vcpu_state(raw, header_.vcpu_count, vcpu_); !f.ok()) return f;
  // vCPU states arrive in index order, each once, so the index is the count so far.
  if (vcpu_.vcpu_index != vcpus_seen_) {
    return StreamFault{StreamError::kBadHeaderField, raw.type, raw.offset, vcpu_.vcpu_index, vcpus_seen_};
  }
  ++vcpus_seen_;
  phase_ = vcpus_seen_ == header_.vcpu_count ? Phase::kDevice : Phase::kVcpus;
  return {};
}

StreamFault StreamDecoder::accept_end(const RawRecord& raw) {
  if (auto f = decode_end(raw, end_); !f.ok()) return f;
  if (end_.page_count != guest_pages_) {
    return StreamFault{StreamError::kPageCountMismatch, raw.type, raw.offset, end_.page_count, guest_pages_};
  }
  if (coverage_.count() != guest_pages_) {
    return StreamFault{StreamError::kMissingPages, raw.type, raw.offset, coverage_.count(), guest_pages_};
  }
  phase_ = Phase::kEnded;
  return {};
}

// The three post-copy records from the source, each in its place (section 12.2).
StreamFault StreamDecoder::accept_postcopy(const RawRecord& raw) {
  auto unexpected = StreamFault{StreamError::kUnexpectedRecord, raw.type, raw.offset, 0, 0};
  switch (static_cast<RecordType>(raw.type)) {
    case RecordType::kPostcopyDiscard:
      if (phase_ != Phase::kPages) return unexpected;
      return decode_discard(raw, guest_pages_, discard_);
    case RecordType::kPostcopySwitch:
      if (phase_ != Phase::kEnd) return unexpected;
      phase_ = Phase::kGo;
      return decode_switch(raw, guest_pages_, switch_);
    case RecordType::kPostcopyGo:
      if (phase_ != Phase::kGo) return unexpected;
      phase_ = Phase::kPostcopy;
      // The post-copy pass sends each page still absent once: one pass over the guest.
      round_pages_left_ = guest_pages_;
      return decode_go(raw, guest_pages_, go_);
    default: return unexpected;
  }
}

StreamFault StreamDecoder::finish() const {
  if ((phase_ == Phase::kEnded || phase_ == Phase::kDone) && reader_.at_record_boundary()) return {};
  return StreamFault{StreamError::kTruncated, 0, reader_.stream_offset(), reader_.stream_offset(), 0};
}

}  // namespace godwit::migration
