// A fake 82540EM register file and host-memory DMA for the e1000 driver tests. The
// registers behave as the driver relies on: CTRL.RST clears itself, MPC clears on read,
// EERD completes at once from a small EEPROM.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "drivers/e1000/e1000_regs.h"
#include "drivers/e1000/registers.h"
#include "drivers/pci/dma.h"

namespace godwit::e1000::testing {

class FakeRegisters final : public Registers {
 public:
  FakeRegisters() : values_(0x20000 / 4, 0) {}

  uint32_t read(uint32_t offset) override {
    uint32_t v = values_.at(offset / 4);
    if (offset == reg::kMpc) values_[offset / 4] = 0;
    return v;
  }
  void write(uint32_t offset, uint32_t value) override {
    ++writes;
    if (offset == reg::kCtrl && !reset_sticks) value &= ~ctrl::kReset;
    if (offset == reg::kEerd && (value & eerd::kStart) != 0) {
      uint32_t word = (value >> eerd::kAddressShift) & 0xff;
      value = eerd::kDone | (uint32_t{eeprom[word % 3]} << eerd::kDataShift);
    }
    values_.at(offset / 4) = value;
  }
  uint32_t& at(uint32_t offset) { return values_.at(offset / 4); }

  bool reset_sticks = false;
  uint16_t eeprom[3] = {0x5452, 0x0000, 0x0a00};  // 52:54:00:00:00:0a, little-endian words
  unsigned writes = 0;

 private:
  std::vector<uint32_t> values_;
};

// Device address = host pointer, as in the identity-mapped hypervisor.
class FakeDma final : public pci::DmaAllocator {
 public:
  Expected<pci::DmaRegion> allocate(size_t bytes) override {
    if (fail_after == 0) return fail(Error::kOutOfMemory);
    --fail_after;
    auto& block = blocks_.emplace_back(std::make_unique<uint8_t[]>(bytes + 4096));
    auto* aligned =
        reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(block.get()) + 4095) & ~uintptr_t{4095});
    std::memset(aligned, 0, bytes);
    return pci::DmaRegion{aligned, reinterpret_cast<uint64_t>(aligned)};
  }
  int fail_after = 1000;

 private:
  std::vector<std::unique_ptr<uint8_t[]>> blocks_;
};

}  // namespace godwit::e1000::testing
