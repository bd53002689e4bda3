#include "migration/record_reader.h"

#include <cstring>

#include "migration/postcopy_format.h"
#include "migration/recovery_format.h"
#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

size_t fixed_body_length(uint32_t type) {
  switch (static_cast<RecordType>(type)) {
    case RecordType::kChallenge: return sizeof(ChallengeRecord);
    case RecordType::kHeader: return sizeof(HeaderRecord);
    case RecordType::kVcpuState: return sizeof(VcpuStateRecord);
    case RecordType::kDeviceState: return sizeof(DeviceState);
    case RecordType::kEnd: return sizeof(EndRecord);
    case RecordType::kHello: return sizeof(HelloRecord);
    case RecordType::kVerified:
    case RecordType::kCommit:
    case RecordType::kCommitted: return sizeof(CommitRecord);
    case RecordType::kNack: return sizeof(NackRecord);
    case RecordType::kRound: return sizeof(RoundRecord);
    case RecordType::kVerify: return sizeof(VerifyRecord);
    case RecordType::kCpuid: return sizeof(CpuidRecord);
    case RecordType::kPostcopyDiscard: return sizeof(PostcopyDiscardRecord);
    case RecordType::kPostcopySwitch: return sizeof(PostcopySwitchRecord);
    case RecordType::kPostcopyReady: return sizeof(PostcopyReadyRecord);
    case RecordType::kPostcopyGo: return sizeof(PostcopyGoRecord);
    case RecordType::kPageRequest: return sizeof(PageRequestRecord);
    case RecordType::kPostcopyPrepared: return sizeof(PostcopyPreparedRecord);
    case RecordType::kRecover: return sizeof(RecoverRecord);
    case RecordType::kRecoverMissing: return sizeof(RecoverMissingRecord);
    case RecordType::kNetDevice: return sizeof(NetDeviceRecord);
    case RecordType::kPageBatch: return 0;
  }
  return 0;
}

bool is_known_type(uint32_t type) {
  return type == static_cast<uint32_t>(RecordType::kPageBatch) || fixed_body_length(type) != 0;
}

RecordReader::RecordReader(std::span<uint8_t> body_buffer) : buffer_(body_buffer) {}

StreamFault RecordReader::located(StreamError code, uint64_t value, uint64_t limit) const {
  return StreamFault{code, header_.type, record_offset_, value, limit};
}

// Checked as soon as the 16 header bytes are in, before any body byte is buffered.
StreamFault RecordReader::check_header() const {
  uint32_t type = header_.type;
  size_t limit = buffer_.size() < kMaxRecordBody ? buffer_.size() : kMaxRecordBody;
  if (body_limit_ < limit) limit = body_limit_;
  if (padded(header_.length) > limit) return located(StreamError::kRecordTooLong, header_.length, limit);
  if (!is_known_type(type)) {
    if ((type & kOptionalRecordBit) == 0) return located(StreamError::kUnknownRecordType, type, 0);
    return {};  // an unknown optional record: framing checked, then skipped by the caller
  }
  size_t fixed = fixed_body_length(type);
  if (fixed != 0 && header_.length != fixed)
    return located(StreamError::kBadRecordLength, header_.length, fixed);
  size_t min_batch = sizeof(PageBatchHeader) + sizeof(PageEntry);
  if (fixed == 0 && header_.length < min_batch)
    return located(StreamError::kBadRecordLength, header_.length, min_batch);
  return {};
}

StreamFault RecordReader::check_body() const {
  auto body = buffer_.first(padded(header_.length));
  uint64_t sum = record_checksum(header_.type, header_.length, body);
  if (sum != header_.checksum) return located(StreamError::kChecksumMismatch, header_.checksum, sum);
  for (size_t i = header_.length; i < body.size(); ++i) {
    if (body[i] != 0) return located(StreamError::kNonZeroReserved, i, 0);
  }
  return {};
}

// A sealed record: the padding (outside the tag) must be zero, then the tag must open.
StreamFault RecordReader::open_body() {
  auto body = buffer_.first(padded(header_.length));
  for (size_t i = header_.length; i < body.size(); ++i) {
    if (body[i] != 0) return located(StreamError::kNonZeroReserved, i, 0);
  }
  Poly1305Tag tag;
  std::memcpy(tag.bytes, tag_bytes_, kRecordTagSize);
  RecordFault fault =
      opener_->open(header_bytes_, body.first(header_.length), tag, record_end_of(header_.type));
  if (fault != RecordFault::kNone)
    return located(StreamError::kRecordForged, static_cast<uint64_t>(fault), 0);
  return {};
}

RecordReader::Step RecordReader::fail(const StreamFault& fault) {
  failed_ = true;
  fault_ = fault;
  return Step::kFault;
}

RecordReader::Step RecordReader::next(std::span<const uint8_t> input, size_t& consumed, RawRecord& record,
                                      StreamFault& fault) {
  consumed = 0;
  if (failed_) {
    fault = fault_;
    return Step::kFault;
  }
  if (header_used_ < sizeof(RecordHeader)) {
    if (header_used_ == 0) record_offset_ = offset_;
    size_t take = sizeof(RecordHeader) - header_used_;
    if (take > input.size()) take = input.size();
    std::memcpy(header_bytes_ + header_used_, input.data(), take);
    header_used_ += take, consumed += take, offset_ += take;
    if (header_used_ < sizeof(RecordHeader)) return Step::kNeedMore;
    std::memcpy(&header_, header_bytes_, sizeof(header_));
    body_used_ = 0, tag_used_ = 0;
    if (fault = check_header(); !fault.ok()) return fail(fault);
  }
  size_t body_size = padded(header_.length);
  size_t take = body_size - body_used_;
  if (take > input.size() - consumed) take = input.size() - consumed;
  if (take != 0) std::memcpy(buffer_.data() + body_used_, input.data() + consumed, take);
  body_used_ += take, consumed += take, offset_ += take;
  if (body_used_ < body_size) return Step::kNeedMore;
  if (opener_ != nullptr) {
    size_t tag_take = kRecordTagSize - tag_used_;
    if (tag_take > input.size() - consumed) tag_take = input.size() - consumed;
    if (tag_take != 0) std::memcpy(tag_bytes_ + tag_used_, input.data() + consumed, tag_take);
    tag_used_ += tag_take, consumed += tag_take, offset_ += tag_take;
    if (tag_used_ < kRecordTagSize) return Step::kNeedMore;
  }
  header_used_ = 0;  // the next byte starts a new record
  fault = opener_ != nullptr ? open_body() : check_body();
  if (!fault.ok()) return fail(fault);
  record = RawRecord{header_.type, buffer_.first(header_.length), record_offset_};
  return Step::kRecord;
}

}  // namespace godwit::migration
