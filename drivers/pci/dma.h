// DMA memory for PCI devices: where the CPU sees it and the address the device is given.
// The image takes physically contiguous frames (identity-mapped, so both are the same
// number; FrameDma); the unit tests hand out host memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "lib/expected.h"

namespace godwit::pci {

struct DmaRegion {
  uint8_t* cpu = nullptr;
  uint64_t device = 0;
};

class DmaAllocator {
 public:
  // `bytes` of zeroed, page-aligned memory the device may read and write. Drivers keep
  // it for the life of the hypervisor.
  virtual Expected<DmaRegion> allocate(size_t bytes) = 0;

 protected:
  ~DmaAllocator() = default;
};

}  // namespace godwit::pci
