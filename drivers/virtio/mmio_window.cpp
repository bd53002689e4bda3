#include "drivers/virtio/mmio_window.h"

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/memory/physical_memory.h"

namespace godwit::virtio {

namespace {

class MmioWindow final : public RegisterWindow {
 public:
  explicit MmioWindow(uint64_t base) : base_(base) {}
  uint8_t read8(uint32_t offset) override { return x86::mmio_read<uint8_t>(base_ + offset); }
  uint16_t read16(uint32_t offset) override { return x86::mmio_read<uint16_t>(base_ + offset); }
  uint32_t read32(uint32_t offset) override { return x86::mmio_read<uint32_t>(base_ + offset); }
  void write8(uint32_t offset, uint8_t value) override { x86::mmio_write<uint8_t>(base_ + offset, value); }
  void write16(uint32_t offset, uint16_t value) override { x86::mmio_write<uint16_t>(base_ + offset, value); }
  void write32(uint32_t offset, uint32_t value) override { x86::mmio_write<uint32_t>(base_ + offset, value); }

 private:
  uint64_t base_;
};

}  // namespace

RegisterWindow* MmioMapper::map(uint64_t address, uint32_t length) {
  if (address + length > memory::kMaxPhysical) return nullptr;
  return new MmioWindow(address);
}

MmioMapper& mmio_mapper() {
  static constinit MmioMapper instance;
  return instance;
}

}  // namespace godwit::virtio
