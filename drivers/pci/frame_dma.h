// DMA memory from the frame allocator, below memory::kMaxPhysical and identity-mapped.
// Image only.
#pragma once

#include "drivers/pci/dma.h"

namespace godwit::pci {

class FrameDma final : public DmaAllocator {
 public:
  Expected<DmaRegion> allocate(size_t bytes) override;
};

FrameDma& frame_dma();

}  // namespace godwit::pci
