// The one second-level page-table walker: four levels of 512 entries, 4 KiB leaves, in
// EPT or NPT format (second_level_entry.h). Map, unmap, look up and change permissions
// over a range; it never flushes a TLB itself but reports when a flush is owed
// (SecondLevelSpace turns that into the backend's flush).
// Pure code: tables come from a TableMemory, so the unit tests run it over an array.
#pragma once

#include <cstdint>

#include "arch/x86/paging/second_level_entry.h"
#include "arch/x86/paging/table_memory.h"
#include "lib/expected.h"

namespace godwit::x86 {

struct Translation {
  uint64_t frame = 0;  // host-physical address of the 4 KiB page
  Permissions permissions = 0;
  bool dirty = false;  // the CPU wrote through the leaf since its dirty flag was cleared
};

class SecondLevelTable {
 public:
  // Guest-physical addresses the walker accepts: 4 levels of 9 bits plus the page offset.
  static constexpr uint64_t kAddressLimit = 1ull << 48;

  SecondLevelTable(PagingFormat format, TableMemory& memory) : format_(format), memory_(memory) {}
  SecondLevelTable(const SecondLevelTable&) = delete;
  SecondLevelTable& operator=(const SecondLevelTable&) = delete;

  // Allocates the root table. Must succeed before anything else is called.
  Status init();
  // Frees every table, root included; the table maps nothing afterwards.
  void destroy();
  uint64_t root() const { return root_; }
  PagingFormat format() const { return format_; }

  // Maps the 4 KiB page at `gpa` (aligned) to `frame`. kExists when already mapped,
  // kRange when gpa is beyond kAddressLimit or unaligned, kInvalidArgument for
  // permissions without read, kOutOfMemory when a table cannot be allocated.
  Status map(uint64_t gpa, uint64_t frame, Permissions permissions);
  // Removes the mapping of the page at `gpa`; kNotFound when there is none.
  Status unmap(uint64_t gpa);
  // Removes every mapping of [gpa, gpa + bytes), one walk per leaf table; pages not
  // mapped are skipped. Returns how many were removed (a non-zero count obliges a flush).
  Expected<uint64_t> unmap_range(uint64_t gpa, uint64_t bytes);
  // The frame and permissions the page at `gpa` maps to; kNotFound when it is not
  // mapped, kRange beyond kAddressLimit. Never allocates.
  Expected<Translation> lookup(uint64_t gpa) const;
  // Gives every mapped page of [gpa, gpa + bytes) exactly `permissions` (which must
  // include read). Returns how many entries lost a permission: those may still sit in
  // a TLB with their old rights, so a non-zero count obliges a flush.
  Expected<uint64_t> protect(uint64_t gpa, uint64_t bytes, Permissions permissions);
  // Clears the dirty flag of every mapped page of [gpa, gpa + bytes) and returns how
  // many had it set: a TLB may still hold those as dirty (and would not set the flag,
  // nor log the page, on the next write), so a non-zero count obliges a flush too.
  Expected<uint64_t> clean(uint64_t gpa, uint64_t bytes);

 private:
  // Calls `visit(entry)` for every present leaf of [gpa, gpa + bytes), one walk per leaf
  // table; kRange for an unaligned or too large range. Returns how many visits returned
  // true.
  template <class Visit>
  Expected<uint64_t> for_each_leaf(uint64_t gpa, uint64_t bytes, Visit visit);
  // The leaf table covering `gpa` (creating intermediate tables if `create`), or 0.
  Expected<uint64_t> leaf_table(uint64_t gpa, bool create) const;
  // Frees `table` and, above level 0, every table its present entries point to.
  void free_level(uint64_t table, int level);

  PagingFormat format_;
  TableMemory& memory_;
  uint64_t root_ = 0;
};

}  // namespace godwit::x86
