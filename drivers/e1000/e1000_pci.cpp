#include "drivers/e1000/e1000_pci.h"

#include "arch/x86/cpu/intrinsics.h"
#include "drivers/pci/bar.h"
#include "drivers/pci/enumerate.h"
#include "drivers/pci/frame_dma.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/time/clock.h"

namespace godwit::e1000 {

namespace {

constexpr uint64_t kRegisterBytes = 0x20000;  // 8254x SDM 13: the register space of BAR0

class MmioRegisters final : public Registers {
 public:
  explicit MmioRegisters(uint64_t base) : base_(base) {}
  uint32_t read(uint32_t offset) override { return x86::mmio_read<uint32_t>(base_ + offset); }
  void write(uint32_t offset, uint32_t value) override { x86::mmio_write<uint32_t>(base_ + offset, value); }

 private:
  uint64_t base_;
};

}  // namespace

Expected<E1000*> create(pci::ConfigSpace& config, pci::PciAddress at,
                        const std::optional<net::MacAddress>& mac_override) {
  auto bar = pci::read_bar(config, at, 0);
  if (!bar) return bar.failure();
  if (!bar->is_memory() || bar->size < kRegisterBytes || bar->base + bar->size > memory::kMaxPhysical) {
    return fail(Error::kUnsupported);
  }
  pci::enable_device(config, at);
  auto* registers = new MmioRegisters(bar->base);
  auto* nic = new E1000(*registers, pci::frame_dma(), clock::busy_wait_ns);
  if (auto status = nic->start(mac_override); !status) {
    delete nic;
    delete registers;
    return status.failure();
  }
  return nic;
}

}  // namespace godwit::e1000
