#include "kernel/memory/physical_memory.h"

extern "C" char _kernel_start[];
extern "C" char _kernel_end[];

namespace godwit::memory {

namespace {

uint64_t bitmap[kMaxPhysical / kPageSize / 64];
constinit FrameAllocator allocator;
constinit Heap kernel_heap;

}  // namespace

Status init(const multiboot2::BootInfo& boot, PhysAddr info_start, PhysAddr info_end) {
  allocator.init(bitmap, kMaxPhysical / kPageSize);
  using multiboot2::RegionType;
  for (const auto& region : boot.memory_map()) {
    if (region.type == RegionType::kAvailable) {
      allocator.release(region.base, region.base + region.length);
    }
  }
  for (const auto& region : boot.memory_map()) {
    if (region.type != RegionType::kAvailable) {
      allocator.reserve(region.base, region.base + region.length);
    }
  }
  allocator.reserve(0, 1ull << 20);
  allocator.reserve(reinterpret_cast<PhysAddr>(_kernel_start), reinterpret_cast<PhysAddr>(_kernel_end));
  allocator.reserve(info_start, info_end);
  for (const auto& module : boot.module_list()) allocator.reserve(module.start, module.end);
  if (allocator.free_frames() == 0) return fail(Error::kOutOfMemory);

  auto region = allocator.allocate(kInitialHeapBytes / kPageSize);
  if (!region) return region.failure();
  kernel_heap.add_region(reinterpret_cast<void*>(*region), kInitialHeapBytes);
  return ok();
}

FrameAllocator& frames() { return allocator; }
Heap& heap() { return kernel_heap; }

}  // namespace godwit::memory
