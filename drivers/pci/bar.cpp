#include "drivers/pci/bar.h"

namespace godwit::pci {

namespace {

constexpr uint32_t kIoFlag = 1u << 0;
constexpr uint32_t kMemoryTypeMask = 0x6u;
constexpr uint32_t kMemoryType64 = 0x4u;
constexpr uint32_t kMemoryTypeReserved = 0x6u;
constexpr uint32_t kPrefetchable = 1u << 3;
constexpr uint32_t kIoAddressMask = ~0x3u;
constexpr uint32_t kMemoryAddressMask = ~0xfu;

uint8_t bar_offset(unsigned index) { return static_cast<uint8_t>(reg::kBar0 + 4 * index); }

// Writes ~0, reads back, restores: the writable address bits give the size.
uint32_t probe(ConfigSpace& config, PciAddress at, uint8_t offset, uint32_t original) {
  config.write32(at, offset, ~0u);
  uint32_t mask = config.read32(at, offset);
  config.write32(at, offset, original);
  return mask;
}

// The lowest writable address bit is the size (a power of two); none: unimplemented.
uint64_t size_from_mask(uint64_t mask) { return mask & (~mask + 1); }

}  // namespace

Expected<Bar> read_bar(ConfigSpace& config, PciAddress at, unsigned index) {
  if (index >= kBarCount) return fail(Error::kInvalidArgument);
  uint8_t offset = bar_offset(index);
  uint32_t low = config.read32(at, offset);
  bool io = (low & kIoFlag) != 0;
  bool wide = !io && (low & kMemoryTypeMask) == kMemoryType64;
  if (!io && (low & kMemoryTypeMask) == kMemoryTypeReserved) return fail(Error::kMalformed);
  if (wide && index + 1 >= kBarCount) return fail(Error::kMalformed);

  uint16_t saved_command = config.read16(at, reg::kCommand);
  config.write16(at, reg::kCommand,
                 saved_command & static_cast<uint16_t>(~(command::kIoSpace | command::kMemorySpace)));
  uint64_t mask = probe(config, at, offset, low) & (io ? kIoAddressMask : kMemoryAddressMask);
  uint32_t high = 0;
  if (wide) {
    uint8_t high_offset = bar_offset(index + 1);
    high = config.read32(at, high_offset);
    mask |= uint64_t{probe(config, at, high_offset, high)} << 32;
  }
  config.write16(at, reg::kCommand, saved_command);

  Bar bar;
  bar.size = size_from_mask(mask);
  if (bar.size == 0) return bar;  // unimplemented: no address bit is writable
  bar.kind = io ? Bar::Kind::kIo : (wide ? Bar::Kind::kMemory64 : Bar::Kind::kMemory32);
  bar.prefetchable = !io && (low & kPrefetchable) != 0;
  bar.base = (uint64_t{high} << 32) | (low & (io ? kIoAddressMask : kMemoryAddressMask));
  return bar;
}

Status read_bars(ConfigSpace& config, PciAddress at, std::span<Bar, kBarCount> out) {
  for (unsigned index = 0; index < kBarCount; ++index) {
    auto bar = read_bar(config, at, index);
    if (!bar) return bar.failure();
    out[index] = *bar;
    if (bar->kind == Bar::Kind::kMemory64) out[++index] = Bar{};  // the upper half
  }
  return ok();
}

}  // namespace godwit::pci
