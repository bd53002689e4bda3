// A guest's second-level address space: the page-table walker plus the rule that every
// permission taken away, and every dirty flag cleared, is followed by a TLB flush before
// the guest runs again. The
// backend supplies the flush (VT-x: INVEPT single-context now; AMD-V: flush the ASID at
// the next VMRUN) and reads root() for the EPTP or nCR3.
// Adding permissions or mappings needs no flush: a stale, narrower TLB entry only causes
// a second-level fault, and both CPUs drop the translation that faulted (SDM Vol. 3C
// 29.4.3.1; APM Vol. 2 15.25.10), so the retried access walks the tables again.
// Pure code: unit-tested over fake table memory and a counting flusher.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/second_level_table.h"

namespace godwit::x86 {

class SecondLevelSpace;

class TlbFlusher {
 public:
  // Guarantees that no translation of `space` cached before this call is used after it.
  virtual void flush(const SecondLevelSpace& space) = 0;

 protected:
  ~TlbFlusher() = default;
};

class SecondLevelSpace {
 public:
  SecondLevelSpace(PagingFormat format, TableMemory& memory, TlbFlusher& flusher)
      : table_(format, memory), flusher_(flusher) {}

  Status init() { return table_.init(); }
  void destroy() { table_.destroy(); }
  uint64_t root() const { return table_.root(); }
  PagingFormat format() const { return table_.format(); }

  // As SecondLevelTable::map; widening needs no flush (a TLB never caches a missing entry
  // as present).
  Status map(uint64_t gpa, uint64_t frame, Permissions permissions) {
    return table_.map(gpa, frame, permissions);
  }
  // As SecondLevelTable::unmap, then the backend's flush, so no TLB keeps the old page.
  Status unmap(uint64_t gpa);
  // As SecondLevelTable::unmap_range, with one flush when anything was removed (a
  // post-copy switch takes a whole guest's absent pages out at once).
  Status unmap_range(uint64_t gpa, uint64_t bytes);
  Expected<Translation> lookup(uint64_t gpa) const { return table_.lookup(gpa); }
  // Sets the permissions of every mapped page in [gpa, gpa + bytes); flushes once when
  // any page lost a permission (the write-protect pass of a migration round).
  Status protect(uint64_t gpa, uint64_t bytes, Permissions permissions);
  // The same for a list of scattered pages (guest frame numbers), with one flush.
  Status protect_pages(std::span<const uint64_t> gfns, Permissions permissions);
  // Clears the dirty flags of [gpa, gpa + bytes); flushes once when any was set, so the
  // next write through each page sets its flag again (and, under PML, logs it: Intel SDM
  // Vol. 3C 29.3.6 logs a page only when its flag goes from 0 to 1).
  Status clean(uint64_t gpa, uint64_t bytes);
  // The same for a list of scattered pages (guest frame numbers), with one flush.
  Status clean_pages(std::span<const uint64_t> gfns);

  uint64_t flushes() const { return flushes_; }

 private:
  // Calls the backend's TlbFlusher and counts the flush (flushes()).
  void flush();

  SecondLevelTable table_;
  TlbFlusher& flusher_;
  uint64_t flushes_ = 0;
};

}  // namespace godwit::x86
