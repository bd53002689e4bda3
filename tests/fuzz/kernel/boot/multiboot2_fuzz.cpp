// libFuzzer target for the Multiboot2 boot information parser: arbitrary bytes as the
// structure GRUB leaves in memory. Besides memory safety and UB it checks that what
// parse() returns is what it promises: strings and regions inside the input, module
// ranges that do not end before they start, counts within the fixed tables.
#include <cstddef>
#include <cstdint>

#include "kernel/boot/multiboot2.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

namespace {

bool inside(std::string_view text, const uint8_t* data, size_t size) {
  auto* first = reinterpret_cast<const uint8_t*>(text.data());
  return text.empty() || (first >= data && first + text.size() < data + size && first[text.size()] == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> info(data, size);
  Expected<uint32_t> announced = multiboot2::announced_size(info);
  if (announced) FUZZ_REQUIRE(*announced <= multiboot2::kMaxInfoSize);
  Expected<multiboot2::BootInfo> parsed = multiboot2::parse(info);
  if (!parsed) return 0;
  FUZZ_REQUIRE(parsed->region_count <= multiboot2::BootInfo::kMaxRegions);
  FUZZ_REQUIRE(parsed->module_count <= multiboot2::BootInfo::kMaxModules);
  FUZZ_REQUIRE(inside(parsed->command_line, data, size));
  for (const multiboot2::Module& module : parsed->module_list()) {
    FUZZ_REQUIRE(module.start <= module.end);
    FUZZ_REQUIRE(inside(module.command_line, data, size));
  }
  (void)parsed->available_bytes();
  return 0;
}
