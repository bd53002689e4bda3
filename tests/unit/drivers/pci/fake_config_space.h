// A fake PCI configuration space for the unit tests: functions are 256-byte arrays;
// BAR registers keep their read-only bits the way hardware does, so size probing works.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>

#include "drivers/pci/config_space.h"

namespace godwit::pci::testing {

class FakeConfigSpace final : public ConfigSpace {
 public:
  struct Function {
    std::array<uint8_t, 256> bytes{};
    std::array<uint64_t, 6> bar_size{};  // 0: not a BAR (or the upper half of one)
    uint16_t command_writes = 0;
  };

  // Adds a function with the given IDs and class; everything else zero.
  Function& add(PciAddress at, uint16_t vendor, uint16_t device, uint8_t class_code = 0, uint8_t subclass = 0,
                uint8_t header_type = 0) {
    Function& f = functions_[key(at)];
    put16(f, reg::kVendorId, vendor);
    put16(f, reg::kDeviceId, device);
    f.bytes[0x0b] = class_code;
    f.bytes[0x0a] = subclass;
    f.bytes[reg::kHeaderType] = header_type;
    return f;
  }

  // A memory BAR (flags in the low 4 bits) or an I/O BAR (flags = 1) of a power-of-two size.
  static void set_bar(Function& f, unsigned index, uint32_t value, uint64_t size) {
    put32(f, static_cast<uint8_t>(0x10 + 4 * index), value);
    f.bar_size[index] = size;
  }
  static void set_bar64(Function& f, unsigned index, uint64_t base, uint64_t size, bool prefetch) {
    put32(f, static_cast<uint8_t>(0x10 + 4 * index),
          static_cast<uint32_t>(base) | 0x4u | (prefetch ? 0x8u : 0u));
    put32(f, static_cast<uint8_t>(0x14 + 4 * index), static_cast<uint32_t>(base >> 32));
    f.bar_size[index] = size;
    f.bar_size[index + 1] = size | (1ull << 63);  // marks the upper half
  }

  static void put16(Function& f, uint8_t offset, uint16_t v) { std::memcpy(&f.bytes[offset], &v, 2); }
  static void put32(Function& f, uint8_t offset, uint32_t v) { std::memcpy(&f.bytes[offset], &v, 4); }

  Function* find(PciAddress at) {
    auto it = functions_.find(key(at));
    return it == functions_.end() ? nullptr : &it->second;
  }

  uint8_t read8(PciAddress at, uint8_t offset) override {
    Function* f = find(at);
    return f ? f->bytes[offset] : 0xff;
  }
  uint16_t read16(PciAddress at, uint8_t offset) override {
    Function* f = find(at);
    if (!f) return 0xffff;
    uint16_t v;
    std::memcpy(&v, &f->bytes[offset], 2);
    return v;
  }
  uint32_t read32(PciAddress at, uint8_t offset) override {
    Function* f = find(at);
    if (!f) return 0xffffffff;
    uint32_t v;
    std::memcpy(&v, &f->bytes[offset], 4);
    return v;
  }
  void write16(PciAddress at, uint8_t offset, uint16_t value) override {
    Function* f = find(at);
    if (!f) return;
    if (offset == reg::kCommand) ++f->command_writes;
    put16(*f, offset, value);
  }
  void write32(PciAddress at, uint8_t offset, uint32_t value) override {
    Function* f = find(at);
    if (!f) return;
    if (offset >= 0x10 && offset < 0x28) {
      unsigned index = (offset - 0x10u) / 4;
      value = bar_write(*f, index, value);
    }
    put32(*f, offset, value);
  }

 private:
  static uint32_t key(PciAddress at) {
    return (uint32_t{at.bus} << 8) | (uint32_t{at.device} << 3) | at.function;
  }

  // Only the address bits at or above the size are writable; flag bits are read-only.
  static uint32_t bar_write(Function& f, unsigned index, uint32_t value) {
    uint64_t size = f.bar_size[index];
    uint32_t old;
    std::memcpy(&old, &f.bytes[0x10 + 4 * index], 4);
    if (size == 0) return 0;
    if (size >> 63) {  // upper half of a 64-bit BAR
      uint64_t mask = ~((size & ~(1ull << 63)) - 1);
      return value & static_cast<uint32_t>(mask >> 32);
    }
    uint32_t flags = (old & 1u) ? (old & 0x3u) : (old & 0xfu);
    uint32_t mask = static_cast<uint32_t>(~(size - 1)) & ((old & 1u) ? ~0x3u : ~0xfu);
    return (value & mask) | flags;
  }

  std::map<uint32_t, Function> functions_;
};

}  // namespace godwit::pci::testing
