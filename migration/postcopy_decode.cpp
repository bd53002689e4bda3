#include "migration/postcopy_decode.h"

#include <cstring>

namespace godwit::migration {
namespace {

using decode_detail::at;
using decode_detail::copy_body;

// The three small records share one shape: a page count and a reserved word.
template <class T>
StreamFault decode_count(const RawRecord& raw, uint64_t guest_pages, T& out, uint64_t T::*count) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  if (out.*count > guest_pages) return at(raw, StreamError::kPageCountMismatch, out.*count, guest_pages);
  return {};
}

}  // namespace

StreamFault decode_discard(const RawRecord& raw, uint64_t guest_pages, PostcopyDiscardRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  if (out.run_count == 0 || out.run_count > kMaxDiscardRuns) {
    return at(raw, StreamError::kBadHeaderField, out.run_count, kMaxDiscardRuns);
  }
  for (uint32_t i = 0; i < kMaxDiscardRuns; ++i) {
    const DiscardRun& run = out.runs[i];
    if (i >= out.run_count) {
      if (run.first != 0 || run.pages != 0) return at(raw, StreamError::kNonZeroReserved, i);
      continue;
    }
    if (run.pages == 0 || run.first >= guest_pages || run.pages > guest_pages - run.first) {
      return at(raw, StreamError::kGfnOutOfRange, run.first, guest_pages);
    }
  }
  return {};
}

StreamFault decode_switch(const RawRecord& raw, uint64_t guest_pages, PostcopySwitchRecord& out) {
  return decode_count(raw, guest_pages, out, &PostcopySwitchRecord::present_pages);
}

StreamFault decode_prepared(const RawRecord& raw, uint64_t guest_pages, PostcopyPreparedRecord& out) {
  if (auto f = decode_count(raw, guest_pages, out, &PostcopyPreparedRecord::pages); !f.ok()) return f;
  if (out.pages != guest_pages) return at(raw, StreamError::kPageCountMismatch, out.pages, guest_pages);
  return {};
}

StreamFault decode_ready(const RawRecord& raw, uint64_t guest_pages, PostcopyReadyRecord& out) {
  return decode_count(raw, guest_pages, out, &PostcopyReadyRecord::present_pages);
}

StreamFault decode_go(const RawRecord& raw, uint64_t guest_pages, PostcopyGoRecord& out) {
  return decode_count(raw, guest_pages, out, &PostcopyGoRecord::pending_pages);
}

StreamFault decode_page_request(const RawRecord& raw, uint64_t guest_pages, PageRequestRecord& out) {
  copy_body(raw, out);
  if (out.reserved != 0) return at(raw, StreamError::kNonZeroReserved, out.reserved);
  if (out.gfn >= guest_pages) return at(raw, StreamError::kGfnOutOfRange, out.gfn, guest_pages);
  return {};
}

}  // namespace godwit::migration
