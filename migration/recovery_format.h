// The records of post-copy recovery (docs/migration-stream.md, section 12.5; decision
// 0023), typed once: after a post-copy migration split (the link stayed down past the
// post-switch time-out), a new connection, opened by the source with a HELLO that sets
// kHelloRecovery, continues it. They travel sealed like every record after HELLO, under
// the new connection's keys.
#pragma once

#include <cstddef>
#include <cstdint>

#include "migration/stream_format.h"

namespace godwit::migration {

// The migration's identity, the same on both sides: SHA-256 of the first connection's
// CHALLENGE and HELLO bodies as sent (both nonces in them, so no two migrations share it).
inline constexpr size_t kSessionIdSize = 32;
struct SessionId {
  uint8_t bytes[kSessionIdSize] = {};
};

// RECOVER (source -> destination, the first sealed record of a recovery connection):
// which migration to continue. The destination refuses another session or guest size.
struct RecoverRecord {
  uint8_t session[kSessionIdSize];
  uint64_t pages;  // the guest's pages
  uint64_t reserved;
};
static_assert(sizeof(RecoverRecord) == 48);

// RECOVER_MISSING (destination -> source, after RECOVER, in order from gfn 0 until every
// page is covered): the pages the destination still lacks, as a bitmap of one chunk of the
// guest. The source sends exactly those again (its send set becomes the missing set).
inline constexpr uint32_t kRecoverChunkPages = 4096;  // 512 bytes of bitmap: 16 MiB of guest
struct RecoverMissingRecord {
  uint64_t first;  // the chunk's first gfn: 0, then the previous chunk's first + pages
  uint32_t pages;  // pages in this chunk: min(kRecoverChunkPages, guest pages - first)
  uint32_t reserved;
  uint8_t
      missing[kRecoverChunkPages / 8];  // bit i (LSB first) = page first + i is missing; bits >= pages zero
};
static_assert(sizeof(RecoverMissingRecord) == 16 + kRecoverChunkPages / 8);

// A node that holds no stranded migration answers RECOVER with what it remembers of the
// migration it names: a sealed NACK, reason kNothingToRecover, `detail` one of these. The
// answer is sealed under the recovery connection's keys, so the source may act on it.
enum class RecoveryVerdict : uint64_t {
  kUnknown = 0,   // nothing remembered (another node, a reboot, or forgotten): it holds nothing
  kRunsHere = 1,  // COMMIT arrived: the guest runs here, whole; only COMMITTED was lost
  kNeverRan = 2,  // it failed before the guest ever ran here and was discarded
  kGivenUp = 3,   // it ran here, stranded, and `migrate abandon` gave it up
};
const char* to_string(RecoveryVerdict verdict);

}  // namespace godwit::migration
