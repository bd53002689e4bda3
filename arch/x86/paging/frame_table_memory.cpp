#include "arch/x86/paging/frame_table_memory.h"

#include <cstring>

#include "kernel/memory/physical_memory.h"

namespace godwit::x86 {

Expected<uint64_t> FrameTableMemory::allocate_table() {
  auto frame = memory::frames().allocate();
  if (!frame) return frame.failure();
  std::memset(reinterpret_cast<void*>(*frame), 0, kPageSize);
  return *frame;
}

void FrameTableMemory::free_table(uint64_t table) { (void)memory::frames().free(table); }

FrameTableMemory& frame_table_memory() {
  static constinit FrameTableMemory instance;
  return instance;
}

}  // namespace godwit::x86
