// Where second-level page-table pages come from and how the hypervisor reaches them.
// The kernel hands out zeroed frames from its allocator (identity-mapped, so a frame's
// address is its pointer); the unit tests hand out pages of a plain array.
#pragma once

#include <cstdint>

#include "lib/expected.h"

namespace godwit::x86 {

class TableMemory {
 public:
  // A zeroed, 4 KiB-aligned page; its physical address.
  virtual Expected<uint64_t> allocate_table() = 0;
  // Returns a table from allocate_table(); the walker no longer points to it.
  virtual void free_table(uint64_t table) = 0;
  // The 512 entries of a table obtained from allocate_table().
  virtual uint64_t* entries(uint64_t table) = 0;

 protected:
  ~TableMemory() = default;
};

}  // namespace godwit::x86
