#include "kernel/vm/elf_image.h"

#include <cstring>

#include "godwit/abi.h"

namespace godwit {

namespace {

constexpr uint8_t kMagic[4] = {0x7f, 'E', 'L', 'F'};
constexpr uint64_t kPage = kGuestPageSize;

// Reads a structure at `offset` without assuming the module is aligned for it.
template <class T>
bool read_at(std::span<const uint8_t> file, uint64_t offset, T& out) {
  if (offset > file.size() || sizeof(T) > file.size() - offset) return false;
  std::memcpy(&out, file.data() + offset, sizeof(T));
  return true;
}

Status check_header(std::span<const uint8_t> file, const Elf64Header& h) {
  if (std::memcmp(h.ident, kMagic, sizeof(kMagic)) != 0) return fail(Error::kMalformed);
  if (h.ident[4] != elf::kClass64 || h.ident[5] != elf::kDataLittle) return fail(Error::kUnsupported);
  if (h.ident[6] != elf::kVersionCurrent || h.version != elf::kVersionCurrent) return fail(Error::kMalformed);
  if (h.type != elf::kTypeExec || h.machine != elf::kMachineX86_64) return fail(Error::kUnsupported);
  if (h.ehsize < sizeof(Elf64Header) || h.phentsize != sizeof(Elf64ProgramHeader) || h.phnum == 0)
    return fail(Error::kMalformed);
  // phnum is 16 bits, so the product cannot overflow; the offset is checked first.
  uint64_t table_size = uint64_t{h.phnum} * sizeof(Elf64ProgramHeader);
  if (h.phoff > file.size() || table_size > file.size() - h.phoff) return fail(Error::kTruncated);
  return ok();
}

// One PT_LOAD header into a segment, checking it against the file and the guest layout.
Expected<ElfSegment> check_load(std::span<const uint8_t> file, const Elf64ProgramHeader& ph) {
  if (ph.filesz > ph.memsz || ph.vaddr != ph.paddr) return fail(Error::kMalformed);
  if (ph.offset > file.size() || ph.filesz > file.size() - ph.offset) return fail(Error::kTruncated);
  if (ph.vaddr < abi::kImageBase || ph.vaddr > abi::kMaxMemory || ph.memsz > abi::kMaxMemory - ph.vaddr)
    return fail(Error::kRange);
  return ElfSegment{ph.vaddr, ph.offset, ph.filesz, ph.memsz, ph.flags};
}

bool entry_in_code(const ElfImage& image) {
  for (const ElfSegment& s : image.segments()) {
    bool inside = image.entry() >= s.address && image.entry() - s.address < s.memory_size;
    if (inside && (s.flags & elf::kFlagExecute) != 0) return true;
  }
  return false;
}

}  // namespace

Expected<ElfImage> parse_elf(std::span<const uint8_t> file) {
  Elf64Header header = {};
  if (!read_at(file, 0, header)) return fail(Error::kTruncated);
  if (Status s = check_header(file, header); !s) return s.failure();

  ElfImage image;
  image.file_ = file;
  image.entry_ = header.entry;
  uint64_t previous_end = 0;
  for (uint16_t i = 0; i < header.phnum; ++i) {
    Elf64ProgramHeader ph = {};
    (void)read_at(file, header.phoff + uint64_t{i} * sizeof(ph), ph);  // in the checked table
    if (ph.type == elf::kDynamic || ph.type == elf::kInterp || ph.type == elf::kTls)
      return fail(Error::kUnsupported);
    if (ph.type != elf::kLoad || ph.memsz == 0) continue;  // notes, GNU_STACK, empty
    Expected<ElfSegment> segment = check_load(file, ph);
    if (!segment) return segment.failure();
    // The gABI requires PT_LOAD in ascending address order; demanding no overlap as
    // well means zero-filling one segment's tail can never clobber another's bytes.
    if (segment->address < previous_end) return fail(Error::kMalformed);
    if (image.count_ == elf::kMaxSegments) return fail(Error::kUnsupported);
    image.segments_[image.count_++] = *segment;
    previous_end = segment->address + segment->memory_size;
  }
  if (image.count_ == 0) return fail(Error::kMalformed);
  // previous_end <= kMaxMemory, a page multiple, so rounding up cannot overflow.
  image.end_ = (previous_end + kPage - 1) / kPage * kPage;
  if (!entry_in_code(image)) return fail(Error::kMalformed);
  return image;
}

Status load_elf(const ElfImage& image, GuestRam& ram) {
  for (const ElfSegment& s : image.segments())
    if (!guest_range_valid(ram, s.address, s.memory_size)) return fail(Error::kRange);

  static constexpr uint8_t kZeros[kPage] = {};
  for (const ElfSegment& s : image.segments()) {
    auto bytes = image.file().subspan(s.file_offset, s.file_size);
    if (Status st = copy_to_guest(ram, s.address, bytes); !st) return st;
    for (uint64_t done = s.file_size; done < s.memory_size;) {
      uint64_t piece = s.memory_size - done < kPage ? s.memory_size - done : kPage;
      if (Status st = copy_to_guest(ram, s.address + done, std::span(kZeros, piece)); !st) return st;
      done += piece;
    }
  }
  return ok();
}

}  // namespace godwit
