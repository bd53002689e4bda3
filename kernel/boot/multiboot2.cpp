#include "kernel/boot/multiboot2.h"

#include <cstring>

namespace godwit::multiboot2 {

namespace {

enum TagType : uint32_t { kEnd = 0, kCommandLine = 1, kModule = 3, kMemoryMap = 6 };

template <class T>
T load(std::span<const uint8_t> bytes, size_t offset) {
  T value;
  std::memcpy(&value, bytes.data() + offset, sizeof value);
  return value;
}

// A NUL-terminated string that must end inside `bytes`.
Expected<std::string_view> load_string(std::span<const uint8_t> bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == 0) return std::string_view(reinterpret_cast<const char*>(bytes.data()), i);
  }
  return fail(Error::kMalformed);
}

Status parse_memory_map(std::span<const uint8_t> tag, BootInfo& out) {
  if (tag.size() < 16) return fail(Error::kTruncated);
  uint32_t entry_size = load<uint32_t>(tag, 8);
  if (entry_size < 24 || entry_size % 8 != 0) return fail(Error::kMalformed);
  for (size_t at = 16; at + entry_size <= tag.size(); at += entry_size) {
    if (out.region_count == BootInfo::kMaxRegions) return fail(Error::kRange);
    MemoryRegion& region = out.regions[out.region_count++];
    region.base = load<uint64_t>(tag, at);
    region.length = load<uint64_t>(tag, at + 8);
    region.type = static_cast<RegionType>(load<uint32_t>(tag, at + 16));
    if (region.base + region.length < region.base) return fail(Error::kMalformed);
  }
  return ok();
}

Status parse_module(std::span<const uint8_t> tag, BootInfo& out) {
  if (tag.size() < 17) return fail(Error::kTruncated);
  if (out.module_count == BootInfo::kMaxModules) return fail(Error::kRange);
  Module module;
  module.start = load<uint32_t>(tag, 8);
  module.end = load<uint32_t>(tag, 12);
  if (module.end < module.start) return fail(Error::kMalformed);
  auto text = load_string(tag.subspan(16));
  if (!text) return text.failure();
  module.command_line = *text;
  out.modules[out.module_count++] = module;
  return ok();
}

}  // namespace

uint64_t BootInfo::available_bytes() const {
  uint64_t total = 0;
  for (const MemoryRegion& r : memory_map()) {
    if (r.type == RegionType::kAvailable) total += r.length;
  }
  return total;
}

Expected<uint32_t> announced_size(std::span<const uint8_t> head) {
  if (head.size() < 8) return fail(Error::kTruncated);
  uint32_t size = load<uint32_t>(head, 0);
  if (size < 16 || size > kMaxInfoSize || size % 8 != 0) return fail(Error::kMalformed);
  return size;
}

Expected<BootInfo> parse(std::span<const uint8_t> info) {
  auto size = announced_size(info);
  if (!size) return size.failure();
  if (*size > info.size()) return fail(Error::kTruncated);
  info = info.first(*size);

  BootInfo out;
  for (size_t at = 8; at + 8 <= info.size();) {
    uint32_t type = load<uint32_t>(info, at);
    uint32_t tag_size = load<uint32_t>(info, at + 4);
    if (tag_size < 8) return fail(Error::kMalformed);
    if (tag_size > info.size() - at) return fail(Error::kTruncated);
    std::span<const uint8_t> tag = info.subspan(at, tag_size);
    Status status = ok();
    switch (type) {
      case kEnd: return out;
      case kCommandLine: {
        auto text = load_string(tag.subspan(8));
        if (!text) return text.failure();
        out.command_line = *text;
        break;
      }
      case kModule: status = parse_module(tag, out); break;
      case kMemoryMap: status = parse_memory_map(tag, out); break;
      default: break;  // tags we do not use
    }
    if (!status) return status.failure();
    at += (tag_size + 7u) & ~size_t{7};
  }
  return fail(Error::kMalformed);  // no end tag
}

}  // namespace godwit::multiboot2
