#include "kernel/vm/elf_image.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "godwit/abi.h"
#include "tests/unit/kernel/vm/sparse_ram.h"

namespace godwit {
namespace {

// Synthetic images: a header, the program headers right after it, then segment bytes.
class ElfBuilder {
 public:
  static constexpr uint64_t kAutoOffset = ~uint64_t{0};  // "after the bytes so far"
  ElfBuilder() {
    std::memcpy(header.ident,
                "\x7f"
                "ELF",
                4);
    header.ident[4] = elf::kClass64;
    header.ident[5] = elf::kDataLittle;
    header.ident[6] = elf::kVersionCurrent;
    header.type = elf::kTypeExec;
    header.machine = elf::kMachineX86_64;
    header.version = 1;
    header.entry = abi::kImageBase;
    header.phoff = sizeof(Elf64Header);
    header.ehsize = sizeof(Elf64Header);
    header.phentsize = sizeof(Elf64ProgramHeader);
  }

  // A PT_LOAD whose file bytes are `size` bytes of `fill`, placed after everything so far.
  Elf64ProgramHeader& load(uint64_t address, uint64_t file_size, uint64_t memory_size, uint32_t flags,
                           uint8_t fill = 0x5a) {
    Elf64ProgramHeader ph = {elf::kLoad, flags,     kAutoOffset, address,
                             address,    file_size, memory_size, 0x1000};
    headers.push_back(ph);
    fills.push_back(fill);
    return headers.back();
  }
  Elf64ProgramHeader& other(uint32_t type) {
    headers.push_back({type, elf::kFlagRead, 0, 0, 0, 0, 0, 0});
    fills.push_back(0);
    return headers.back();
  }
  // The usual guest: code at the image base, data with a .bss tail two pages on.
  ElfBuilder& typical() {
    load(abi::kImageBase, 0x30, 0x30, elf::kFlagRead | elf::kFlagExecute, 0xc3);
    load(abi::kImageBase + 0x2000, 0x10, 0x3000, elf::kFlagRead | elf::kFlagWrite, 0x77);
    return *this;
  }

  std::vector<uint8_t> bytes() {
    header.phnum = static_cast<uint16_t>(headers.size());
    uint64_t offset = sizeof(Elf64Header) + headers.size() * sizeof(Elf64ProgramHeader);
    std::vector<uint8_t> data;
    for (size_t i = 0; i < headers.size(); ++i) {
      if (headers[i].type != elf::kLoad || headers[i].offset != kAutoOffset) continue;  // set by the test
      headers[i].offset = offset + data.size();
      data.insert(data.end(), headers[i].filesz, fills[i]);
    }
    std::vector<uint8_t> out(sizeof(Elf64Header));
    std::memcpy(out.data(), &header, sizeof(header));
    for (const auto& ph : headers) {
      auto p = reinterpret_cast<const uint8_t*>(&ph);
      out.insert(out.end(), p, p + sizeof(ph));
    }
    out.insert(out.end(), data.begin(), data.end());
    return out;
  }

  Error error() {
    auto file = bytes();
    auto image = parse_elf(file);
    EXPECT_FALSE(image.ok());
    return image.ok() ? Error::kState : image.error();
  }

  Elf64Header header = {};
  std::vector<Elf64ProgramHeader> headers;
  std::vector<uint8_t> fills;
};

TEST(ElfImage, ParsesATypicalImage) {
  ElfBuilder b;
  b.typical().other(0x6474e551);  // PT_GNU_STACK is ignored
  b.header.entry = abi::kImageBase + 0x10;
  auto file = b.bytes();
  auto image = parse_elf(file);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->entry(), abi::kImageBase + 0x10);
  ASSERT_EQ(image->segments().size(), 2u);
  EXPECT_EQ(image->segments()[1].address, abi::kImageBase + 0x2000);
  EXPECT_EQ(image->segments()[1].memory_size, 0x3000u);
  EXPECT_EQ(image->end(), abi::kImageBase + 0x5000);
}

TEST(ElfImage, EndIsRoundedUpToAPage) {
  ElfBuilder b;
  b.load(abi::kImageBase, 0x10, 0x1001, elf::kFlagExecute);
  auto file = b.bytes();
  EXPECT_EQ(parse_elf(file)->end(), abi::kImageBase + 0x2000);
}

TEST(ElfImage, LoadCopiesFileBytesAndZeroesTheRest) {
  ElfBuilder b;
  auto file = b.typical().bytes();
  auto image = parse_elf(file);
  ASSERT_TRUE(image.ok());
  testing::SparseRam ram(abi::kMinMemory, 0xee);  // stale bytes that must be zeroed
  ASSERT_TRUE(load_elf(*image, ram));
  EXPECT_EQ(ram.page(abi::kImageBase / 4096)[0x2f], 0xc3);
  EXPECT_EQ(ram.page(abi::kImageBase / 4096)[0x30], 0xee);  // outside every segment
  uint8_t* data = ram.page(abi::kImageBase / 4096 + 2);
  EXPECT_EQ(data[0xf], 0x77);
  EXPECT_EQ(data[0x10], 0);
  EXPECT_EQ(data[0xfff], 0);
  EXPECT_EQ(ram.page(abi::kImageBase / 4096 + 4)[0xfff], 0);  // last .bss byte
  EXPECT_EQ(ram.page(abi::kImageBase / 4096 + 5)[0], 0xee);
}

// What GNU ld makes of guests/lib/guest.ld: a .bss-only segment has file offset 0 and
// no file bytes, which must be read as "all zero", not as the ELF header.
TEST(ElfImage, BssOnlySegmentIsZeroFilled) {
  ElfBuilder b;
  b.load(abi::kImageBase, 0x30, 0x30, elf::kFlagRead | elf::kFlagExecute, 0xc3);
  b.load(abi::kImageBase + 0x3000, 0, 0x2148, elf::kFlagRead | elf::kFlagWrite).offset = 0;
  auto file = b.bytes();
  auto image = parse_elf(file);
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->end(), abi::kImageBase + 0x6000);
  testing::SparseRam ram(abi::kMinMemory, 0xee);
  ASSERT_TRUE(load_elf(*image, ram));
  EXPECT_EQ(ram.page(abi::kImageBase / 4096 + 3)[0], 0);
  EXPECT_EQ(ram.page(abi::kImageBase / 4096 + 5)[0x147], 0);
  EXPECT_EQ(ram.page(abi::kImageBase / 4096 + 5)[0x148], 0xee);
}

TEST(ElfImage, LoadRefusesAnImageLargerThanRamWithoutWriting) {
  ElfBuilder b;
  b.load(abi::kImageBase, 0x10, 0x10, elf::kFlagExecute);
  b.load(abi::kMinMemory - 0x1000, 0x10, 0x2000, elf::kFlagWrite);
  auto file = b.bytes();
  auto image = parse_elf(file);
  ASSERT_TRUE(image.ok());
  testing::SparseRam ram(abi::kMinMemory);
  EXPECT_EQ(load_elf(*image, ram).error(), Error::kRange);
  EXPECT_EQ(ram.touched_pages(), 0u);
}

TEST(ElfImage, RejectsTruncatedHeaders) {
  auto file = ElfBuilder().typical().bytes();
  EXPECT_EQ(parse_elf(std::span(file).first(63)).error(), Error::kTruncated);
  EXPECT_EQ(parse_elf({}).error(), Error::kTruncated);
  // The program header table runs past the end.
  EXPECT_EQ(parse_elf(std::span(file).first(sizeof(Elf64Header) + 60)).error(), Error::kTruncated);
  ElfBuilder far;
  far.typical().header.phoff = ~uint64_t{0} - 8;  // offset + table size wraps
  EXPECT_EQ(far.error(), Error::kTruncated);
}

TEST(ElfImage, RejectsSegmentsPastTheFileEnd) {
  ElfBuilder b;
  b.typical();
  auto file = b.bytes();
  EXPECT_EQ(parse_elf(std::span(file).first(file.size() - 1)).error(), Error::kTruncated);
  ElfBuilder wrap;
  wrap.typical().headers[0].offset = ~uint64_t{0} - 4;
  EXPECT_EQ(wrap.error(), Error::kTruncated);
}

TEST(ElfImage, RejectsOtherMachinesAndKinds) {
  ElfBuilder class32;
  class32.typical().header.ident[4] = 1;
  EXPECT_EQ(class32.error(), Error::kUnsupported);
  ElfBuilder big_endian;
  big_endian.typical().header.ident[5] = 2;
  EXPECT_EQ(big_endian.error(), Error::kUnsupported);
  ElfBuilder i386;
  i386.typical().header.machine = 3;
  EXPECT_EQ(i386.error(), Error::kUnsupported);
  ElfBuilder shared;
  shared.typical().header.type = 3;  // ET_DYN
  EXPECT_EQ(shared.error(), Error::kUnsupported);
  ElfBuilder interpreted;
  interpreted.typical().other(elf::kInterp);
  EXPECT_EQ(interpreted.error(), Error::kUnsupported);
  ElfBuilder tls;
  tls.typical().other(elf::kTls);
  EXPECT_EQ(tls.error(), Error::kUnsupported);
}

TEST(ElfImage, RejectsMalformedHeaders) {
  ElfBuilder magic;
  magic.typical().header.ident[1] = 'e';
  EXPECT_EQ(magic.error(), Error::kMalformed);
  ElfBuilder entry_size;
  entry_size.typical().header.phentsize = 32;
  EXPECT_EQ(entry_size.error(), Error::kMalformed);
  ElfBuilder version;
  version.typical().header.version = 2;
  EXPECT_EQ(version.error(), Error::kMalformed);
  ElfBuilder no_load;
  no_load.other(0x6474e551);
  EXPECT_EQ(no_load.error(), Error::kMalformed);
}

TEST(ElfImage, RejectsInconsistentSegments) {
  ElfBuilder bigger_file;
  bigger_file.load(abi::kImageBase, 0x20, 0x10, elf::kFlagExecute);
  EXPECT_EQ(bigger_file.error(), Error::kMalformed);
  ElfBuilder physical;
  physical.typical().headers[1].paddr += 0x1000;
  EXPECT_EQ(physical.error(), Error::kMalformed);
  ElfBuilder overlap;
  overlap.load(abi::kImageBase, 0x10, 0x2000, elf::kFlagExecute);
  overlap.load(abi::kImageBase + 0x1fff, 0x10, 0x10, elf::kFlagWrite);
  EXPECT_EQ(overlap.error(), Error::kMalformed);
  ElfBuilder order;
  order.load(abi::kImageBase + 0x1000, 0x10, 0x10, elf::kFlagWrite);
  order.load(abi::kImageBase, 0x10, 0x10, elf::kFlagExecute);
  EXPECT_EQ(order.error(), Error::kMalformed);
  ElfBuilder many;
  for (uint64_t i = 0; i <= elf::kMaxSegments; ++i)
    many.load(abi::kImageBase + i * 0x1000, 0x10, 0x10, elf::kFlagExecute);
  EXPECT_EQ(many.error(), Error::kUnsupported);
}

TEST(ElfImage, RejectsSegmentsOutsideGuestMemory) {
  ElfBuilder low;  // would overwrite the page tables and boot info
  low.load(abi::kImageBase - 0x1000, 0x10, 0x2000, elf::kFlagExecute);
  EXPECT_EQ(low.error(), Error::kRange);
  ElfBuilder high;
  high.typical();
  high.headers[1].vaddr = high.headers[1].paddr = abi::kMaxMemory - 0x1000;
  EXPECT_EQ(high.error(), Error::kRange);
  ElfBuilder wrap;
  wrap.typical().headers[1].memsz = ~uint64_t{0} - 0x1000;
  EXPECT_EQ(wrap.error(), Error::kRange);
}

TEST(ElfImage, RejectsAnEntryOutsideCode) {
  ElfBuilder in_data;
  in_data.typical().header.entry = abi::kImageBase + 0x2000;  // writable, not executable
  EXPECT_EQ(in_data.error(), Error::kMalformed);
  ElfBuilder past_code;
  past_code.typical().header.entry = abi::kImageBase + 0x30;
  EXPECT_EQ(past_code.error(), Error::kMalformed);
  ElfBuilder nowhere;
  nowhere.typical().header.entry = 0;
  EXPECT_EQ(nowhere.error(), Error::kMalformed);
}

}  // namespace
}  // namespace godwit
