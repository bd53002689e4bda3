// A guest's RAM: one allocator frame per guest page (not one block, so a large guest
// needs no large contiguous run), zeroed, and mapped into the guest's second-level
// space. The frame list itself lives in allocator frames too, not on the heap.
#pragma once

#include <cstdint>

#include "arch/x86/paging/second_level_space.h"
#include "kernel/vm/guest_ram.h"
#include "lib/expected.h"

namespace godwit::vm {

class GuestMemory final : public GuestRam {
 public:
  // Allocates `bytes` (a multiple of 4 KiB) of zeroed RAM. On failure nothing is held.
  Status allocate(uint64_t bytes);
  // Returns every frame; the memory must no longer be mapped anywhere a guest runs.
  void release();
  // Maps all of RAM at guest-physical 0 with read, write and execute.
  Status map_into(x86::SecondLevelSpace& space) const;

  uint64_t size_bytes() const override { return pages_ * kGuestPageSize; }
  uint8_t* page(uint64_t gfn) override;
  bool allocated() const { return frames_ != nullptr; }

 private:
  uint64_t* frames_ = nullptr;  // host-physical address of each guest page
  uint64_t pages_ = 0;
  uint64_t list_frames_ = 0;  // frames holding frames_ itself
};

}  // namespace godwit::vm
