#include "migration/recovery.h"

#include "migration/record_decode.h"
#include "migration/sha256.h"

namespace godwit::migration {

using decode_detail::at;
using decode_detail::copy_body;

SessionId session_id(const ChallengeRecord& challenge, const HelloRecord& hello) {
  Sha256 hash;
  hash.update({reinterpret_cast<const uint8_t*>(&challenge), sizeof challenge});
  hash.update({reinterpret_cast<const uint8_t*>(&hello), sizeof hello});
  Sha256Digest digest = hash.finish();
  SessionId id;
  __builtin_memcpy(id.bytes, digest.bytes, kSessionIdSize);
  return id;
}

bool same_session(const SessionId& a, const uint8_t (&b)[kSessionIdSize]) {
  uint8_t differ = 0;
  for (size_t i = 0; i < kSessionIdSize; ++i) differ |= a.bytes[i] ^ b[i];
  return differ == 0;
}

StreamFault decode_recover(const RawRecord& raw, uint64_t max_pages, RecoverRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  if (out.pages == 0 || out.pages > max_pages)
    return at(raw, StreamError::kBadHeaderField, out.pages, max_pages);
  return {};
}

RecoverMissingRecord fill_missing_chunk(const PageBitmap& present, uint64_t first) {
  RecoverMissingRecord chunk{};
  uint64_t pages = present.frame_count();
  chunk.first = first;
  chunk.pages =
      static_cast<uint32_t>(pages - first < kRecoverChunkPages ? pages - first : kRecoverChunkPages);
  for (uint32_t i = 0; i < chunk.pages; ++i) {
    if (!present.test(first + i)) chunk.missing[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
  }
  return chunk;
}

StreamFault MissingSetReader::accept(const RawRecord& raw, PageBitmap& send_set) {
  RecoverMissingRecord chunk{};
  copy_body(raw, chunk);
  if (chunk.reserved != 0) return at(raw, StreamError::kNonZeroReserved, chunk.reserved);
  if (chunk.first != next_ || complete()) return at(raw, StreamError::kUnexpectedRecord, chunk.first, next_);
  uint64_t left = pages_ - next_;
  uint64_t expected = left < kRecoverChunkPages ? left : kRecoverChunkPages;
  if (chunk.pages != expected) return at(raw, StreamError::kPageCountMismatch, chunk.pages, expected);
  for (uint32_t i = chunk.pages; i < kRecoverChunkPages; ++i) {
    if ((chunk.missing[i / 8] >> (i % 8)) & 1) return at(raw, StreamError::kNonZeroReserved, i);
  }
  // A page the destination says it holds must have been sent: one still in the send set
  // never left this node, so the claim is false (a broken or lying destination).
  for (uint32_t i = 0; i < chunk.pages; ++i) {
    bool missing = (chunk.missing[i / 8] >> (i % 8)) & 1;
    if (!missing && send_set.test(chunk.first + i))
      return at(raw, StreamError::kWrongMigration, chunk.first + i, 0);
  }
  for (uint32_t i = 0; i < chunk.pages; ++i) {
    if ((chunk.missing[i / 8] >> (i % 8)) & 1) {
      if (!send_set.test(chunk.first + i)) ++missing_;
      (void)send_set.mark(chunk.first + i);
    }
  }
  next_ += chunk.pages;
  return {};
}

}  // namespace godwit::migration
