#include "kernel/memory/frame_allocator.h"

namespace godwit {

namespace {
constexpr uint64_t kNone = ~uint64_t{0};
}

void FrameAllocator::init(std::span<uint64_t> bitmap, uint64_t frame_count) {
  if (frame_count > bitmap.size() * 64) frame_count = bitmap.size() * 64;
  bitmap_ = bitmap;
  frame_count_ = frame_count;
  free_count_ = 0;
  hint_ = 0;
  for (uint64_t& word : bitmap_) word = ~uint64_t{0};
}

void FrameAllocator::set(uint64_t frame, bool used) {
  uint64_t bit = uint64_t{1} << (frame % 64);
  bool was_used = bitmap_[frame / 64] & bit;
  if (was_used == used) return;
  if (used) {
    bitmap_[frame / 64] |= bit;
    --free_count_;
  } else {
    bitmap_[frame / 64] &= ~bit;
    ++free_count_;
  }
}

void FrameAllocator::release(PhysAddr start, PhysAddr end) {
  uint64_t first = (start + kPageSize - 1) >> kPageShift;
  uint64_t last = end >> kPageShift;
  if (end < start) return;
  for (uint64_t f = first; f < last && f < frame_count_; ++f) set(f, false);
}

void FrameAllocator::reserve(PhysAddr start, PhysAddr end) {
  if (end <= start) return;
  uint64_t first = start >> kPageShift;
  uint64_t last = (end + kPageSize - 1) >> kPageShift;
  for (uint64_t f = first; f < last && f < frame_count_; ++f) set(f, true);
}

bool FrameAllocator::run_is_free(uint64_t first, uint64_t count) const {
  for (uint64_t f = first; f < first + count; ++f) {
    if (test(f)) return false;
  }
  return true;
}

// First fit in [from, to): skips whole used words quickly, then checks candidates.
uint64_t FrameAllocator::search(uint64_t from, uint64_t to, uint64_t count, uint64_t align) const {
  uint64_t f = (from + align - 1) / align * align;
  while (f + count <= to) {
    if (f % 64 == 0 && bitmap_[f / 64] == ~uint64_t{0}) {
      f += 64;
      f = (f + align - 1) / align * align;
      continue;
    }
    if (run_is_free(f, count)) return f;
    f += align;
  }
  return kNone;
}

Expected<PhysAddr> FrameAllocator::allocate(uint64_t count, uint64_t align) {
  if (count == 0 || align == 0) return fail(Error::kInvalidArgument);
  if (count > free_count_) return fail(Error::kOutOfMemory);
  uint64_t frame = search(hint_, frame_count_, count, align);
  if (frame == kNone) frame = search(0, frame_count_, count, align);
  if (frame == kNone) return fail(Error::kOutOfMemory);
  for (uint64_t f = frame; f < frame + count; ++f) set(f, true);
  hint_ = frame + count;
  return frame << kPageShift;
}

Status FrameAllocator::free(PhysAddr start, uint64_t count) {
  if (start % kPageSize != 0) return fail(Error::kInvalidArgument);
  uint64_t first = start >> kPageShift;
  if (first > frame_count_ || count > frame_count_ - first) return fail(Error::kRange);
  for (uint64_t f = first; f < first + count; ++f) {
    if (!test(f)) return fail(Error::kState);
  }
  for (uint64_t f = first; f < first + count; ++f) set(f, false);
  if (first < hint_) hint_ = first;
  return ok();
}

bool FrameAllocator::is_used(PhysAddr address) const {
  uint64_t frame = address >> kPageShift;
  return frame >= frame_count_ || test(frame);
}

}  // namespace godwit
