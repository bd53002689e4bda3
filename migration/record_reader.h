// Reassembles records from a byte stream that arrives in arbitrary pieces, as TCP
// delivers it: a header may be split anywhere, a body over many segments. It checks
// the framing (section 2 of docs/migration-stream.md) — length limits, the length each
// type needs, the checksum, zero padding — and hands out one whole, verified record
// at a time. It buffers at most one record body, in storage the caller provides.
// From protect() on (stream version 3, after the clear handshake) every record is sealed
// (sealed_records.h): the reader also takes the 16-byte tag after the body and opens the
// record before handing out any byte of it, so what it hands out is authentic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "migration/record_protection.h"
#include "migration/stream_error.h"
#include "migration/stream_format.h"

namespace godwit::migration {

struct RawRecord {
  uint32_t type;
  std::span<const uint8_t> body;  // valid until the next call to next()
  uint64_t offset;                // stream offset of the record's header
};

class RecordReader {
 public:
  // Records whose padded body exceeds `body_buffer` are refused as too long, so a
  // reader that expects only small records needs only a small buffer.
  explicit RecordReader(std::span<uint8_t> body_buffer);

  enum class Step { kNeedMore, kRecord, kFault };

  // Consumes bytes from `input` until a record is complete (kRecord: `record` is set),
  // the input is used up (kNeedMore), or the stream is bad (kFault: `fault` is set;
  // the reader stays failed). `consumed` says how much of `input` was used.
  Step next(std::span<const uint8_t> input, size_t& consumed, RawRecord& record, StreamFault& fault);

  // True between records: closing the stream here is not a truncation.
  bool at_record_boundary() const { return header_used_ == 0; }
  uint64_t stream_offset() const { return offset_; }

  // From the next record on, every record is sealed and opened with `opener` (which
  // must outlive the reader); a record that does not open is kRecordForged, with the
  // RecordFault as its value.
  void protect(RecordOpener& opener) { opener_ = &opener; }
  bool protected_records() const { return opener_ != nullptr; }
  // Bodies longer than `bytes` are refused before any of their bytes is buffered
  // (kRecordTooLong); the buffer's size stays the upper bound. A receiver sets this
  // low until its peer authenticated, so an unauthenticated peer costs little work.
  void limit_body(size_t bytes) { body_limit_ = bytes; }
  // The stream offset of the next byte, for faults' offsets, when another reader took the
  // stream's first bytes (the receiver's HELLO reader). Call before the first byte.
  void start_at(uint64_t offset) { offset_ = offset; }

 private:
  StreamFault check_header() const;
  StreamFault check_body() const;
  StreamFault open_body();
  StreamFault located(StreamError code, uint64_t value, uint64_t limit) const;
  Step fail(const StreamFault& fault);

  std::span<uint8_t> buffer_;
  uint8_t header_bytes_[sizeof(RecordHeader)] = {};
  size_t header_used_ = 0;
  RecordHeader header_ = {};
  size_t body_used_ = 0;
  uint8_t tag_bytes_[kRecordTagSize] = {};
  size_t tag_used_ = 0;
  RecordOpener* opener_ = nullptr;
  size_t body_limit_ = SIZE_MAX;
  uint64_t offset_ = 0;         // bytes consumed so far
  uint64_t record_offset_ = 0;  // where the current record started
  bool failed_ = false;
  StreamFault fault_;  // repeated by every call after a failure
};

// The exact body length a record type needs, or 0 when it varies (PAGE_BATCH) or the
// type is unknown.
size_t fixed_body_length(uint32_t type);
bool is_known_type(uint32_t type);

}  // namespace godwit::migration
