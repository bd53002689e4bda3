// libFuzzer target for guest images: arbitrary bytes as a Multiboot2 module into
// parse_elf(), and whatever it accepts loaded with load_elf() into a guest RAM that
// checks every page touched. Besides memory safety and UB it checks what parse_elf()
// promises: segments inside [abi::kImageBase, abi::kMaxMemory) and their file bytes
// inside the file, in order and not overlapping, the entry inside executable code, and
// end() covering every segment.
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "godwit/abi.h"
#include "kernel/vm/elf_image.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

namespace {

// Guest RAM whose pages exist only once touched (a 1 GiB guest costs what the image uses).
class SparseRam final : public GuestRam {
 public:
  explicit SparseRam(uint64_t bytes) : bytes_(bytes) {}
  uint64_t size_bytes() const override { return bytes_; }
  uint8_t* page(uint64_t gfn) override {
    FUZZ_REQUIRE(gfn < page_count());  // load_elf checked the range first
    auto [it, added] = pages_.try_emplace(gfn);
    if (added) it->second.assign(kGuestPageSize, 0xcc);
    return it->second.data();
  }

 private:
  uint64_t bytes_;
  std::map<uint64_t, std::vector<uint8_t>> pages_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The last byte picks the guest's RAM size (2 MiB steps), the rest is the image.
  if (size == 0) return 0;
  uint64_t ram_bytes = (1 + data[size - 1] % 4) * abi::kMinMemory;
  std::span<const uint8_t> file(data, size - 1);
  Expected<ElfImage> image = parse_elf(file);
  if (!image) return 0;
  FUZZ_REQUIRE(!image->segments().empty() && image->segments().size() <= elf::kMaxSegments);
  bool entry_in_code = false;
  uint64_t previous_end = abi::kImageBase;
  for (const ElfSegment& segment : image->segments()) {
    FUZZ_REQUIRE(segment.file_size <= segment.memory_size);
    FUZZ_REQUIRE(segment.file_offset <= file.size() &&
                 segment.file_size <= file.size() - segment.file_offset);
    FUZZ_REQUIRE(segment.address >= previous_end);
    FUZZ_REQUIRE(segment.memory_size <= abi::kMaxMemory - segment.address);
    previous_end = segment.address + segment.memory_size;
    FUZZ_REQUIRE(previous_end <= image->end());
    if ((segment.flags & elf::kFlagExecute) != 0 && image->entry() >= segment.address &&
        image->entry() < segment.address + segment.memory_size)
      entry_in_code = true;
  }
  FUZZ_REQUIRE(entry_in_code);
  SparseRam ram(ram_bytes);
  Status loaded = load_elf(*image, ram);
  FUZZ_REQUIRE(loaded.ok() == (previous_end <= ram_bytes));  // refused only when it does not fit
  return 0;
}
