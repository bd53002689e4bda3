// DMA memory from the frame allocator, below memory::kMaxPhysical and identity-mapped.
// Image only.
#pragma once

#include "drivers/pci/dma.h"

namespace godwit::pci {

class FrameDma final : public DmaAllocator {
 public:
  Expected<DmaRegion> allocate(size_t bytes) override;
};

// The one FrameDma of the image, for drivers started by find_nic().
FrameDma& frame_dma();

}  // namespace godwit::pci
