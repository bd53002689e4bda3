// Decoding the post-copy records (postcopy_format.h, docs/migration-stream.md section
// 12), every field a peer controls checked; framing was checked by RecordReader.
#pragma once

#include <cstdint>

#include "migration/postcopy_format.h"
#include "migration/record_decode.h"
#include "migration/record_reader.h"
#include "migration/stream_error.h"

namespace godwit::migration {

// 1..kMaxDiscardRuns runs, each non-empty and inside the guest, unused runs and reserved zero.
[[nodiscard]] StreamFault decode_discard(const RawRecord& raw, uint64_t guest_pages,
                                         PostcopyDiscardRecord& out);
// present_pages <= guest_pages, reserved zero.
[[nodiscard]] StreamFault decode_switch(const RawRecord& raw, uint64_t guest_pages,
                                        PostcopySwitchRecord& out);
// pages == guest_pages, reserved zero.
[[nodiscard]] StreamFault decode_prepared(const RawRecord& raw, uint64_t guest_pages,
                                          PostcopyPreparedRecord& out);
[[nodiscard]] StreamFault decode_ready(const RawRecord& raw, uint64_t guest_pages, PostcopyReadyRecord& out);
[[nodiscard]] StreamFault decode_go(const RawRecord& raw, uint64_t guest_pages, PostcopyGoRecord& out);
// gfn inside the guest, reserved zero.
[[nodiscard]] StreamFault decode_page_request(const RawRecord& raw, uint64_t guest_pages,
                                              PageRequestRecord& out);

}  // namespace godwit::migration
