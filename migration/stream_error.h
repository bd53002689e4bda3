// Why a migration stream was refused or a migration failed: one code with a fixed
// message, plus where (record type, stream offset) and what (value, limit), so the log
// line says exactly what was wrong. The code also travels in a NACK (section 6).
#pragma once

#include <cstdint>

#include "lib/format.h"

namespace godwit::migration {

enum class StreamError : uint32_t {
  kNone = 0,
  kBadMagic,              // not a Godwit migration stream
  kUnsupportedVersion,    // a major version this node does not speak
  kUnknownRecordType,     // a mandatory record type this node does not know
  kRecordTooLong,         // length over kMaxRecordBody (or the reader's buffer)
  kBadRecordLength,       // length does not match what the record type needs
  kChecksumMismatch,      // the record's WordHash64 does not match its bytes
  kNonZeroReserved,       // padding or a reserved field is not zero
  kGfnOutOfRange,         // a page lies outside guest memory
  kBadPageFlags,          // unknown flag, or a data entry with pages != 1
  kPageCountMismatch,     // batch page_count, or END page_count, disagrees
  kUnexpectedRecord,      // a valid record, but not allowed at this point
  kBadHeaderField,        // a HEADER/CHALLENGE/state field out of range
  kAuthenticationFailed,  // the MAC does not match: wrong key or tampering
  kMissingPages,          // END arrived before every page was sent once
  kDigestMismatch,        // assembled memory differs from the source's
  kTruncated,             // the stream ended inside a record or before END
  kTimeout,               // the peer stopped making progress
  kChannelFailed,         // the connection broke or was closed
  kGuestRefused,          // the VM layer could not create the guest or load state
  kPeerRefused,           // the destination sent NACK (its reason is in `value`)
  kSourceFailed,          // the source guest could not be read or tracked
  kDirtyLogMissed,        // verify mode: the source's memory differs from the pages it sent
  kUnsupportedFeature,    // HEADER backend_features names a promise this node does not know
  kCpuModelRefused,       // this node cannot present the guest's CPUID values
  // Version 3 (section 5): a sealed record did not open (altered, replayed, reordered,
  // from another session or direction, or after a failed one); `value` is the
  // RecordFault.
  kRecordForged,
  kHandshakeTimeout,  // the peer did not authenticate within its absolute deadline
  kCommitMismatch,    // VERIFIED, COMMIT or COMMITTED names another page count or digest
  kOverBudget,        // more rounds, pages in a round, or stream bytes than the guest's size allows
  // Post-copy recovery (section 12.5).
  kNothingToRecover,  // a recovery HELLO, but no stranded migration waits here
  kAwaitingRecovery,  // a new migration, but a stranded guest here waits for its recovery
  kWrongMigration,    // RECOVER names another session or guest size, or the missing set lies
};

// A fixed, lower-case message ("checksum mismatch").
const char* to_string(StreamError error);

struct StreamFault {
  StreamError code = StreamError::kNone;
  uint32_t record_type = 0;  // the record it was found in, 0 when none
  uint64_t offset = 0;       // stream byte offset of that record's header
  uint64_t value = 0;        // the offending value (a length, a gfn, a version ...)
  uint64_t limit = 0;        // what it had to be, or not exceed

  bool ok() const { return code == StreamError::kNone; }
};

inline StreamFault fault(StreamError code, uint64_t value = 0, uint64_t limit = 0) {
  return StreamFault{code, 0, 0, value, limit};
}

// "checksum mismatch (PAGE_BATCH record at byte 4136, value 0x..., expected 0x...)".
void write_fault(Sink& sink, const StreamFault& fault);

}  // namespace godwit::migration
