#include "migration/postcopy_pages.h"

namespace godwit::migration {

PostcopyPages::PostcopyPages(std::span<uint64_t> present_bits, std::span<uint64_t> requested_bits,
                             uint64_t pages)
    : present_(present_bits, pages), requested_(requested_bits, pages) {}

PostcopyPages::Fault PostcopyPages::on_fault(uint64_t gfn) {
  if (present_.test(gfn)) return Fault::kPresent;
  if (requested_.test(gfn)) return Fault::kAlreadyRequested;
  (void)requested_.mark(gfn);
  ++requests_;
  return Fault::kRequest;
}

PostcopyPages::Arrival PostcopyPages::on_arrival(uint64_t gfn) {
  if (present_.test(gfn)) {
    ++duplicates_;
    return Arrival::kDuplicate;
  }
  (void)present_.mark(gfn);
  if (!requested_.test(gfn)) return Arrival::kNew;
  requested_.unmark(gfn);
  return Arrival::kRequested;
}

uint64_t PostcopyPages::next_outstanding(uint64_t from) const {
  for (uint64_t gfn = requested_.find_next(from); gfn < page_count(); gfn = requested_.find_next(gfn + 1)) {
    if (!present_.test(gfn)) return gfn;
  }
  return page_count();
}

}  // namespace godwit::migration
