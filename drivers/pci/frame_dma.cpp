#include "drivers/pci/frame_dma.h"

#include "kernel/memory/physical_memory.h"

namespace godwit::pci {

Expected<DmaRegion> FrameDma::allocate(size_t bytes) {
  uint64_t count = (bytes + kPageSize - 1) / kPageSize;
  auto frames = memory::frames().allocate(count);
  if (!frames) return frames.failure();
  auto* cpu = reinterpret_cast<uint8_t*>(*frames);
  for (uint64_t i = 0; i < count * kPageSize; ++i) cpu[i] = 0;
  return DmaRegion{cpu, *frames};
}

FrameDma& frame_dma() {
  static constinit FrameDma instance;
  return instance;
}

}  // namespace godwit::pci
