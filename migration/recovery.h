// Post-copy recovery's pure parts (docs/migration-stream.md, section 12.5; decision 0023):
// the migration's identity, RECOVER's decoder, and the missing set both ways: the
// destination cuts its presence map into RECOVER_MISSING chunks (fill_missing_chunk), the
// source checks each chunk against what it knows and turns it into its send set
// (MissingSetReader). Every byte of a chunk comes from the network: its place, its size
// and its spare bits are checked, and so is its claim, since the destination cannot hold a
// page the source never sent.
#pragma once

#include <cstdint>

#include "lib/page_bitmap.h"
#include "migration/record_reader.h"
#include "migration/recovery_format.h"
#include "migration/stream_error.h"

namespace godwit::migration {

// SHA-256 of the first connection's CHALLENGE and HELLO bodies as sent.
SessionId session_id(const ChallengeRecord& challenge, const HelloRecord& hello);
bool same_session(const SessionId& a, const uint8_t (&b)[kSessionIdSize]);

// Reserved zero, pages inside 1 .. max_pages (the largest guest this node takes); whether
// it names this node's migration is the receiver's check.
[[nodiscard]] StreamFault decode_recover(const RawRecord& raw, uint64_t max_pages, RecoverRecord& out);

// The destination's side: the chunk that starts at `first` (a multiple of
// kRecoverChunkPages below the guest's pages) of the pages absent from `present` (the
// presence map, frame_count() = the guest's pages).
RecoverMissingRecord fill_missing_chunk(const PageBitmap& present, uint64_t first);

// The source's side: RECOVER_MISSING chunks, in order, into the send set.
class MissingSetReader {
 public:
  explicit MissingSetReader(uint64_t guest_pages = 0) : pages_(guest_pages) {}

  // Checks the chunk (its place is next(), its size the rest of the guest up to a chunk,
  // reserved and spare bits zero, and no page claimed present that `send_set` still
  // holds, i.e. that was never sent) and only then marks its missing pages in `send_set`.
  [[nodiscard]] StreamFault accept(const RawRecord& raw, PageBitmap& send_set);
  uint64_t next() const { return next_; }
  bool complete() const { return next_ == pages_; }
  uint64_t missing() const { return missing_; }

 private:
  uint64_t pages_;
  uint64_t next_ = 0;
  uint64_t missing_ = 0;
};

}  // namespace godwit::migration
