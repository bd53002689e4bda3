// Parser for the Multiboot2 boot information GRUB leaves in memory
// (Multiboot2 specification 1.0, section 3.6 "Boot information format").
// Pure code: it reads a byte span and never trusts a length it has not checked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/expected.h"

namespace godwit::multiboot2 {

inline constexpr uint32_t kBootloaderMagic = 0x36d76289;  // in EAX at entry (3.2)
inline constexpr size_t kMaxInfoSize = size_t{64} * 1024;

// Memory map entry types (3.6.8).
enum class RegionType : uint32_t {
  kAvailable = 1,
  kReserved = 2,
  kAcpiReclaimable = 3,
  kAcpiNvs = 4,
  kBad = 5
};

struct MemoryRegion {
  uint64_t base = 0;
  uint64_t length = 0;
  RegionType type = RegionType::kReserved;
};

struct Module {
  uint64_t start = 0;  // physical, first byte
  uint64_t end = 0;    // physical, one past the last byte
  std::string_view command_line;
};

struct BootInfo {
  static constexpr size_t kMaxRegions = 64;
  static constexpr size_t kMaxModules = 16;
  std::string_view command_line;
  MemoryRegion regions[kMaxRegions];
  size_t region_count = 0;
  Module modules[kMaxModules];
  size_t module_count = 0;

  std::span<const MemoryRegion> memory_map() const { return {regions, region_count}; }
  std::span<const Module> module_list() const { return {modules, module_count}; }
  // The sum of the map's available regions, as the firmware reported them (before any
  // reservation).
  uint64_t available_bytes() const;
};

// The total size announced in the first word of the info structure, checked for sanity.
Expected<uint32_t> announced_size(std::span<const uint8_t> head);

// Parses the whole structure. Strings in the result point into `info`.
// Errors: kTruncated (a tag runs past the end), kMalformed (bad sizes, missing end tag,
// unterminated strings, a module ending before it starts), kRange (too many entries).
Expected<BootInfo> parse(std::span<const uint8_t> info);

}  // namespace godwit::multiboot2
