// Writing migration records into a caller's buffer (docs/migration-stream.md, section
// 2): the header with its checksum, the body, the zero padding. Nothing allocates; a
// record that does not fit is not written at all (the call returns 0).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "migration/stream_format.h"

namespace godwit::migration {

// Bytes a record with a body of `body_length` bytes takes on the wire, without the tag
// a sealed record carries after it (sealed_records.h: sealed_record_size).
constexpr size_t record_size(size_t body_length) { return sizeof(RecordHeader) + padded(body_length); }

// How a record's header is finished: with the WordHash64 checksum (the clear handshake
// records), or with zero there because a Poly1305 tag will follow (sealed records:
// seal_record in sealed_records.h; computing a checksum nobody reads would cost a pass).
enum class Framing : uint8_t { kChecksummed, kSealed };

// The checksum of a record whose padded body is `padded_body` (section 2).
uint64_t record_checksum(uint32_t type, uint32_t length, std::span<const uint8_t> padded_body);

// Writes one whole record; returns its size, or 0 when `out` is too small or the body
// is over kMaxRecordBody.
size_t encode_record(std::span<uint8_t> out, RecordType type, std::span<const uint8_t> body,
                     Framing framing = Framing::kChecksummed);

template <class Body>
size_t encode_record(std::span<uint8_t> out, RecordType type, const Body& body,
                     Framing framing = Framing::kChecksummed) {
  static_assert(std::is_trivially_copyable_v<Body>);
  return encode_record(out, type, std::span(reinterpret_cast<const uint8_t*>(&body), sizeof(Body)), framing);
}

// Builds one PAGE_BATCH record in place: entries and page data are appended straight
// into `out`, consecutive zero pages fold into one ZERO run, and finish() writes the
// batch and record headers. Use: begin, add_page until it returns false, finish.
class PageBatchEncoder {
 public:
  // `out` must hold at least record_size(8 + 16 + 4096) bytes for a batch to be useful.
  explicit PageBatchEncoder(std::span<uint8_t> out, Framing framing = Framing::kChecksummed)
      : out_(out), framing_(framing) {}

  // False (nothing added) when the batch is full: the caller finishes it and starts a
  // new one with the same page. Otherwise `data_hash` is set to page_data_hash() of
  // the page as it went into the batch (memory_digest.h): a data page is copied and
  // hashed in one pass, a zero page costs no hashing (kZeroPageDataHash).
  bool add_page(uint64_t gfn, const uint8_t* page_data, uint64_t& data_hash);
  bool empty() const { return entries_ == 0; }
  // Writes the headers and returns the record's size on the wire (0 when empty).
  size_t finish();

  uint32_t pages() const { return pages_; }
  uint32_t zero_pages() const { return zero_pages_; }
  uint32_t data_pages() const { return pages_ - zero_pages_; }

 private:
  static constexpr size_t kBodyStart = sizeof(RecordHeader) + sizeof(PageBatchHeader);

  std::span<uint8_t> out_;
  Framing framing_;
  size_t used_ = kBodyStart;  // bytes of out_ written so far, headers included
  size_t last_entry_ = 0;     // offset of the last entry written
  bool last_was_zero_ = false;
  uint64_t next_zero_gfn_ = 0;
  uint32_t entries_ = 0, pages_ = 0, zero_pages_ = 0;
};

// True when every byte of the 4096-byte page is zero; reads it a word at a time.
bool page_is_zero(const uint8_t* page);

}  // namespace godwit::migration
