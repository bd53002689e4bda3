// The hypervisor's view of physical memory: the frame allocator built from the
// multiboot2 memory map, and the kernel heap carved from it.
#pragma once

#include "kernel/boot/multiboot2.h"
#include "kernel/memory/frame_allocator.h"
#include "kernel/memory/heap.h"
#include "lib/expected.h"

namespace godwit::memory {

// Physical memory above this is ignored: the boot page tables identity-map 4 GiB.
inline constexpr uint64_t kMaxPhysical = 4ull << 30;
inline constexpr uint64_t kInitialHeapBytes = 8ull << 20;

// Frees the available regions of the map, then reserves what is in use: the first MiB
// (BIOS data, real-mode structures), the hypervisor image, the boot information and
// every module (guest images).
Status init(const multiboot2::BootInfo& boot, PhysAddr info_start, PhysAddr info_end);

// The machine's one frame allocator and kernel heap, usable after init().
FrameAllocator& frames();
Heap& heap();

}  // namespace godwit::memory
