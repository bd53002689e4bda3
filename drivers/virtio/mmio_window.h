// Register windows over identity-mapped MMIO, below memory::kMaxPhysical. Image only.
#pragma once

#include "drivers/virtio/register_window.h"

namespace godwit::virtio {

class MmioMapper final : public WindowMapper {
 public:
  RegisterWindow* map(uint64_t address, uint32_t length) override;
};

// The one MmioMapper of the image; windows it maps live as long as the hypervisor.
MmioMapper& mmio_mapper();

}  // namespace godwit::virtio
