// PostcopyPages: the destination's page-presence map during a post-copy migration. A
// page is present once its content is final here: received before the switch and not
// discarded since (a hybrid's stale pages), or received after the switch. Absent pages are
// unmapped from the guest's EPT/NPT; the guest's first touch of one faults, and on_fault()
// says whether to ask the source for it. After the switch a page that arrives again (a
// push that crossed a request, or the answer to a request the push beat) must never
// overwrite the present copy, which the guest may have written since: on_arrival()
// says so. Pure: the bitmaps' storage is handed in.
#pragma once

#include <cstdint>
#include <span>

#include "lib/page_bitmap.h"

namespace godwit::migration {

class PostcopyPages {
 public:
  PostcopyPages() = default;
  // `present_bits` and `requested_bits`: PageBitmap::words_for(pages) words each. Starts
  // with no page present and nothing requested.
  PostcopyPages(std::span<uint64_t> present_bits, std::span<uint64_t> requested_bits, uint64_t pages);

  // Before the switch: a page arrived (again: a pre-copy round re-sent it).
  void received_before_switch(uint64_t gfn) { (void)present_.mark(gfn); }
  // Before the switch: the copy here is stale (POSTCOPY_DISCARD).
  void discard(uint64_t gfn) { present_.unmark(gfn); }

  enum class Fault : uint8_t {
    kPresent,           // the page is here (mapped meanwhile): run the guest again
    kRequest,           // ask the source for it now (it is now marked requested)
    kAlreadyRequested,  // a request is on its way: wait for the page
  };
  Fault on_fault(uint64_t gfn);

  enum class Arrival : uint8_t {
    kNew,        // absent until now: write it, map it
    kRequested,  // absent and asked for: write it, map it, wake whoever waits
    kDuplicate,  // already present: drop it, the copy here may be newer
  };
  // After the switch: a page came. Marks it present unless it was.
  Arrival on_arrival(uint64_t gfn);

  bool present(uint64_t gfn) const { return present_.test(gfn); }
  // The first page at or after `from` that was requested and has not arrived, or
  // page_count(): what a recovery asks for again.
  uint64_t next_outstanding(uint64_t from) const;
  const PageBitmap& present_map() const { return present_; }
  uint64_t present_count() const { return present_.count(); }
  uint64_t page_count() const { return present_.frame_count(); }
  bool complete() const { return present_.count() == present_.frame_count(); }
  uint64_t requests() const { return requests_; }
  uint64_t duplicates() const { return duplicates_; }

 private:
  PageBitmap present_{{}, 0};
  PageBitmap requested_{{}, 0};
  uint64_t requests_ = 0;
  uint64_t duplicates_ = 0;
};

}  // namespace godwit::migration
