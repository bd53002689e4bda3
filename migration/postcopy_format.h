// The records of post-copy and hybrid migration (docs/migration-stream.md, section 12),
// typed once. They travel in the same framing as every other record (RecordHeader,
// encode_record), so whatever protects the stream's records protects them too.
#pragma once

#include <cstdint>

#include "migration/stream_format.h"

namespace godwit::migration {

// POSTCOPY_PREPARED (destination -> source, after CPUID): the guest is created here (its
// memory allocated and mapped), so the source may pause: building it is no part of the
// downtime. A hybrid source, busy with its rounds by then, takes note and goes on.
struct PostcopyPreparedRecord {
  uint64_t pages;  // the guest's pages, as HEADER said
  uint64_t reserved;
};
static_assert(sizeof(PostcopyPreparedRecord) == 16);

// POSTCOPY_DISCARD (source -> destination, hybrid, before the state): pages the
// destination received during pre-copy but the guest wrote since, so its copy is stale.
// They become absent at the switch and come again afterwards.
inline constexpr uint32_t kMaxDiscardRuns = 32;
struct DiscardRun {
  uint64_t first;  // gfn
  uint64_t pages;  // >= 1
};
struct PostcopyDiscardRecord {
  uint32_t run_count;  // 1..kMaxDiscardRuns
  uint32_t reserved;
  DiscardRun runs[kMaxDiscardRuns];  // runs[run_count..] are zero
};
static_assert(sizeof(PostcopyDiscardRecord) == 8 + 16 * kMaxDiscardRuns);

// POSTCOPY_SWITCH (source -> destination, after the state records, instead of END): load
// the state and get ready to run the guest with the pages it holds; the rest will follow.
struct PostcopySwitchRecord {
  uint64_t present_pages;  // what the destination must hold now (a cross-check)
  uint64_t reserved;
};
static_assert(sizeof(PostcopySwitchRecord) == 16);

// POSTCOPY_READY (destination -> source): the state is loaded, the absent pages are unmapped;
// the guest will run on GO. Once the source has it, the source never resumes the guest.
struct PostcopyReadyRecord {
  uint64_t present_pages;
  uint64_t reserved;
};
static_assert(sizeof(PostcopyReadyRecord) == 16);

// POSTCOPY_GO (source -> destination): run the guest. Then PAGE_BATCH records bring the
// absent pages (asked-for ones first), and END closes the stream as in pre-copy.
struct PostcopyGoRecord {
  uint64_t pending_pages;  // pages still to come
  uint64_t reserved;
};
static_assert(sizeof(PostcopyGoRecord) == 16);

// PAGE_REQUEST (destination -> source, after GO): the guest touched an absent page.
struct PageRequestRecord {
  uint64_t gfn;
  uint64_t reserved;
};
static_assert(sizeof(PageRequestRecord) == 16);

}  // namespace godwit::migration
