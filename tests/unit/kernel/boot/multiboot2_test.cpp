#include "kernel/boot/multiboot2.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace godwit::multiboot2 {
namespace {

// Builds a boot information structure the way GRUB lays it out (spec 3.6).
class InfoBuilder {
 public:
  InfoBuilder() {
    put32(0);
    put32(0);
  }
  InfoBuilder& command_line(const std::string& text) {
    size_t start = begin_tag(1);
    put_string(text);
    return end_tag(start);
  }
  InfoBuilder& module(uint32_t start, uint32_t end, const std::string& text) {
    size_t at = begin_tag(3);
    put32(start);
    put32(end);
    put_string(text);
    return end_tag(at);
  }
  InfoBuilder& memory_map(std::initializer_list<MemoryRegion> regions, uint32_t entry_size = 24) {
    size_t at = begin_tag(6);
    put32(entry_size);
    put32(0);
    for (const MemoryRegion& r : regions) {
      put64(r.base);
      put64(r.length);
      put32(static_cast<uint32_t>(r.type));
      put32(0);
      for (uint32_t pad = 24; pad < entry_size; ++pad) bytes_.push_back(0);
    }
    return end_tag(at);
  }
  InfoBuilder& raw_tag(uint32_t type, uint32_t size) {
    put32(type);
    put32(size);
    return *this;
  }
  std::vector<uint8_t> finish(bool with_end = true) {
    if (with_end) {
      put32(0);
      put32(8);
    }
    uint32_t total = static_cast<uint32_t>(bytes_.size());
    std::memcpy(bytes_.data(), &total, 4);
    return bytes_;
  }

 private:
  void put32(uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  void put64(uint64_t v) {
    put32(static_cast<uint32_t>(v));
    put32(static_cast<uint32_t>(v >> 32));
  }
  void put_string(const std::string& s) {
    for (char c : s) bytes_.push_back(static_cast<uint8_t>(c));
    bytes_.push_back(0);
  }
  size_t begin_tag(uint32_t type) {
    size_t at = bytes_.size();
    put32(type);
    put32(0);
    return at;
  }
  InfoBuilder& end_tag(size_t at) {
    uint32_t size = static_cast<uint32_t>(bytes_.size() - at);
    std::memcpy(bytes_.data() + at + 4, &size, 4);
    while (bytes_.size() % 8 != 0) bytes_.push_back(0);
    return *this;
  }
  std::vector<uint8_t> bytes_;
};

TEST(Multiboot2, ParsesCommandLineModulesAndMemoryMap) {
  auto info = InfoBuilder()
                  .command_line("ip=10.0.0.1/24")
                  .module(0x200000, 0x201000, "guest=hello")
                  .memory_map({{0, 0x9fc00, RegionType::kAvailable},
                               {0x100000, 0x7ee0000, RegionType::kAvailable},
                               {0xfffc0000, 0x40000, RegionType::kReserved}})
                  .finish();
  auto boot = parse(info);
  ASSERT_TRUE(boot);
  EXPECT_EQ(boot->command_line, "ip=10.0.0.1/24");
  ASSERT_EQ(boot->module_count, 1u);
  EXPECT_EQ(boot->modules[0].start, 0x200000u);
  EXPECT_EQ(boot->modules[0].end, 0x201000u);
  EXPECT_EQ(boot->modules[0].command_line, "guest=hello");
  ASSERT_EQ(boot->region_count, 3u);
  EXPECT_EQ(boot->regions[2].type, RegionType::kReserved);
  EXPECT_EQ(boot->available_bytes(), 0x9fc00u + 0x7ee0000u);
}

TEST(Multiboot2, SkipsUnknownTagsAndHonoursLargerMapEntries) {
  auto info = InfoBuilder().raw_tag(21, 8).memory_map({{0, 4096, RegionType::kAvailable}}, 32).finish();
  auto boot = parse(info);
  ASSERT_TRUE(boot);
  EXPECT_EQ(boot->region_count, 1u);
  EXPECT_EQ(boot->regions[0].length, 4096u);
}

TEST(Multiboot2, RejectsMissingEndTag) {
  auto info = InfoBuilder().command_line("x").finish(false);
  EXPECT_EQ(parse(info).error(), Error::kMalformed);
}

TEST(Multiboot2, RejectsTagRunningPastTheEnd) {
  auto info = InfoBuilder().raw_tag(1, 4000).finish();
  EXPECT_EQ(parse(info).error(), Error::kTruncated);
}

TEST(Multiboot2, RejectsTinyTagSize) {
  auto info = InfoBuilder().raw_tag(1, 4).finish();
  EXPECT_EQ(parse(info).error(), Error::kMalformed);
}

TEST(Multiboot2, RejectsUnterminatedString) {
  auto info = InfoBuilder().command_line("abc").finish();
  info[8 + 8 + 3] = 'x';  // overwrite the NUL; the tag ends right after
  info[8 + 8 + 4] = 'x';
  info[8 + 4] = 12;  // tag size now covers exactly "abcx"
  EXPECT_EQ(parse(info).error(), Error::kMalformed);
}

TEST(Multiboot2, RejectsModuleEndingBeforeItStarts) {
  auto info = InfoBuilder().module(0x5000, 0x4000, "").finish();
  EXPECT_EQ(parse(info).error(), Error::kMalformed);
}

TEST(Multiboot2, RejectsBadMapEntrySizeAndWrappingRegions) {
  EXPECT_EQ(parse(InfoBuilder().memory_map({}, 20).finish()).error(), Error::kMalformed);
  auto wrapping = InfoBuilder().memory_map({{~0ull - 10, 100, RegionType::kAvailable}}).finish();
  EXPECT_EQ(parse(wrapping).error(), Error::kMalformed);
}

TEST(Multiboot2, RejectsImplausibleOrTruncatedTotalSize) {
  std::vector<uint8_t> tiny = {8, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(parse(tiny).error(), Error::kMalformed);
  auto info = InfoBuilder().command_line("abc").finish();
  EXPECT_EQ(parse(std::span(info).first(info.size() - 8)).error(), Error::kTruncated);
  EXPECT_EQ(announced_size(std::span(info).first(4)).error(), Error::kTruncated);
}

TEST(Multiboot2, RejectsTooManyModules) {
  InfoBuilder builder;
  for (size_t i = 0; i <= BootInfo::kMaxModules; ++i) builder.module(0, 4096, "m");
  EXPECT_EQ(parse(builder.finish()).error(), Error::kRange);
}

}  // namespace
}  // namespace godwit::multiboot2
