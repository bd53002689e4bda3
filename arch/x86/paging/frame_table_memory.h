// Second-level page-table pages from the hypervisor's frame allocator. The hypervisor
// identity-maps physical memory, so a table's physical address is also its pointer.
#pragma once

#include "arch/x86/paging/table_memory.h"

namespace godwit::x86 {

class FrameTableMemory final : public TableMemory {
 public:
  Expected<uint64_t> allocate_table() override;
  void free_table(uint64_t table) override;
  uint64_t* entries(uint64_t table) override { return reinterpret_cast<uint64_t*>(table); }
};

// The one instance both backends build their spaces with.
FrameTableMemory& frame_table_memory();

}  // namespace godwit::x86
