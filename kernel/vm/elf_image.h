// Guest images: ELF64 little-endian x86-64 executables (ET_EXEC), handed to the
// hypervisor as Multiboot2 modules. The module is untrusted input: parse_elf() checks
// every offset and size before anything reads through it, and load_elf() copies only
// what parse_elf() accepted. Formats from the System V gABI ("ELF-64 Object File
// Format" 1.5, chapters "ELF Header" and "Program Header Table") and the x86-64 psABI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/vm/guest_ram.h"
#include "lib/expected.h"

namespace godwit {

// The on-file structures, typed once (gABI Figures 2 and 5).
struct Elf64Header {
  uint8_t ident[16];  // magic, class, data encoding, version, OS ABI, padding
  uint16_t type;
  uint16_t machine;
  uint32_t version;
  uint64_t entry;
  uint64_t phoff;  // program header table: file offset, entry size, count
  uint64_t shoff;
  uint32_t flags;
  uint16_t ehsize;
  uint16_t phentsize;
  uint16_t phnum;
  uint16_t shentsize;
  uint16_t shnum;
  uint16_t shstrndx;
};
static_assert(sizeof(Elf64Header) == 64);

struct Elf64ProgramHeader {
  uint32_t type;
  uint32_t flags;  // PF_X 1, PF_W 2, PF_R 4
  uint64_t offset;
  uint64_t vaddr;
  uint64_t paddr;
  uint64_t filesz;
  uint64_t memsz;
  uint64_t align;
};
static_assert(sizeof(Elf64ProgramHeader) == 56);

namespace elf {
inline constexpr uint8_t kClass64 = 2, kDataLittle = 1, kVersionCurrent = 1;
inline constexpr uint16_t kTypeExec = 2, kMachineX86_64 = 62;
inline constexpr uint32_t kLoad = 1, kDynamic = 2, kInterp = 3, kTls = 7;
inline constexpr uint32_t kFlagExecute = 1, kFlagWrite = 2, kFlagRead = 4;
// A guest image has a handful of segments (text, rodata, data+bss); more is suspicious.
inline constexpr size_t kMaxSegments = 8;
}  // namespace elf

// One PT_LOAD segment after validation: [address, address + memory_size) lies inside
// [abi::kImageBase, abi::kMaxMemory), and its file bytes inside the image.
struct ElfSegment {
  uint64_t address = 0;  // guest-physical = virtual (guests run identity-mapped)
  uint64_t file_offset = 0;
  uint64_t file_size = 0;
  uint64_t memory_size = 0;  // >= file_size; the rest is zero-filled (.bss)
  uint32_t flags = 0;
};

class ElfImage {
 public:
  uint64_t entry() const { return entry_; }
  // First byte after the highest segment, rounded up to a page: the boot info's
  // free_start, and the least guest RAM the image needs.
  uint64_t end() const { return end_; }
  std::span<const ElfSegment> segments() const { return {segments_, count_}; }
  std::span<const uint8_t> file() const { return file_; }

 private:
  friend Expected<ElfImage> parse_elf(std::span<const uint8_t> file);
  std::span<const uint8_t> file_;
  ElfSegment segments_[elf::kMaxSegments] = {};
  size_t count_ = 0;
  uint64_t entry_ = 0;
  uint64_t end_ = 0;
};

// Validates `file` (which must outlive the result). Errors:
//   kTruncated   the header, the program headers or a segment's bytes pass the file end
//   kUnsupported not ELF64 little-endian x86-64 ET_EXEC, a dynamic/interpreted/TLS
//                image, or more than elf::kMaxSegments PT_LOAD segments
//   kMalformed   bad magic or header fields, filesz > memsz, vaddr != paddr, segments
//                out of order or overlapping, no PT_LOAD, entry outside executable code
//   kRange       a segment outside [abi::kImageBase, abi::kMaxMemory) or wrapping
Expected<ElfImage> parse_elf(std::span<const uint8_t> file);

// Copies the segments' file bytes into guest RAM and zeroes the rest of each segment.
// kRange (nothing written) when the image does not fit in `ram`.
Status load_elf(const ElfImage& image, GuestRam& ram);

}  // namespace godwit
