// The physical frame allocator: one bit per 4 KiB frame (1 = in use), first fit with a
// roving hint. Guest RAM, page tables, VMCS/VMCB pages and DMA rings all come from here.
// Pure code: the bitmap storage is handed in, so the unit tests run it over an array.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/expected.h"

namespace godwit {

using PhysAddr = uint64_t;
inline constexpr uint64_t kPageSize = 4096;
inline constexpr unsigned kPageShift = 12;

class FrameAllocator {
 public:
  // Starts with every frame of [0, frame_count) in use; bitmap must hold frame_count bits.
  void init(std::span<uint64_t> bitmap, uint64_t frame_count);

  // Marks [start, end) free, shrunk inward to whole frames (the firmware said it is RAM).
  void release(PhysAddr start, PhysAddr end);
  // Marks [start, end) used, grown outward to whole frames (kernel image, modules, ...).
  void reserve(PhysAddr start, PhysAddr end);

  // `count` contiguous frames whose first frame number is a multiple of `align`.
  Expected<PhysAddr> allocate(uint64_t count = 1, uint64_t align = 1);
  // Returns frames obtained from allocate(). Freeing a free frame is kState (a bug caught).
  Status free(PhysAddr start, uint64_t count = 1);

  // Whether the frame holding `address` is allocated or reserved; true beyond the
  // managed range.
  bool is_used(PhysAddr address) const;
  uint64_t total_frames() const { return frame_count_; }
  uint64_t free_frames() const { return free_count_; }

 private:
  bool test(uint64_t frame) const { return (bitmap_[frame / 64] >> (frame % 64)) & 1; }
  // Marks one frame and keeps free_count_ in step (setting a bit already so is a no-op).
  void set(uint64_t frame, bool used);
  bool run_is_free(uint64_t first, uint64_t count) const;
  // The first `align`-aligned frame in [from, to) starting `count` free frames, or ~0.
  uint64_t search(uint64_t from, uint64_t to, uint64_t count, uint64_t align) const;

  std::span<uint64_t> bitmap_;
  uint64_t frame_count_ = 0;
  uint64_t free_count_ = 0;
  uint64_t hint_ = 0;
};

}  // namespace godwit
