#include "kernel/vm/dirty_tracker.h"

#include <new>

#include "kernel/memory/physical_memory.h"
#include "kernel/time/clock.h"

namespace godwit::vm {

namespace {
constexpr x86::Permissions kReadOnly = x86::kAccessRead | x86::kAccessExecute;
}

Status DirtyTracker::start(x86::SecondLevelSpace& space, uint64_t ram_bytes) {
  if (active()) return fail(Error::kBusy);
  uint64_t frames = ram_bytes / kPageSize;
  size_t words = PageBitmap::words_for(frames);
  uint64_t bitmap_frames = (words * sizeof(uint64_t) + kPageSize - 1) / kPageSize;
  auto bitmap = memory::frames().allocate(bitmap_frames);
  if (!bitmap) return bitmap.failure();
  new (log_storage_) PageBitmap({reinterpret_cast<uint64_t*>(*bitmap), words}, frames);
  uint64_t protect_start = clock::now_ns();
  auto status = space.protect(0, ram_bytes, kReadOnly);
  protect_ns_ = clock::now_ns() - protect_start;
  if (!status) {
    (void)memory::frames().free(*bitmap, bitmap_frames);
    return status;
  }
  bitmap_ = *bitmap;
  bitmap_frames_ = bitmap_frames;
  space_ = &space;
  ram_bytes_ = ram_bytes;
  faults_ = 0;
  return ok();
}

void DirtyTracker::stop() {
  if (!active()) return;
  (void)space_->protect(0, ram_bytes_, x86::kAccessAll);  // widening: cannot need a flush
  (void)memory::frames().free(bitmap_, bitmap_frames_);
  space_ = nullptr;
}

bool DirtyTracker::record_write(uint64_t gpa) {
  if (!active() || gpa >= ram_bytes_) return false;
  uint64_t page = gpa & ~(kPageSize - 1);
  if (!space_->protect(page, kPageSize, x86::kAccessAll)) return false;
  log().mark(page / kPageSize);
  ++faults_;
  return true;
}

void DirtyTracker::record_host_write(uint64_t gpa, uint64_t bytes) {
  if (!active() || bytes == 0 || gpa >= ram_bytes_) return;
  uint64_t end = bytes > ram_bytes_ - gpa ? ram_bytes_ : gpa + bytes;
  for (uint64_t gfn = gpa / kPageSize; gfn * kPageSize < end; ++gfn) log().mark(gfn);
}

uint64_t DirtyTracker::dirty_count_in(uint64_t gpa, uint64_t bytes) const {
  if (!active() || gpa >= ram_bytes_) return 0;
  uint64_t end = bytes > ram_bytes_ - gpa ? ram_bytes_ : gpa + bytes;
  uint64_t count = 0;
  for (uint64_t gfn = gpa / kPageSize; gfn * kPageSize < end; ++gfn) count += log().test(gfn) ? 1 : 0;
  return count;
}

Expected<size_t> DirtyTracker::take(std::span<uint64_t> out) {
  if (!active()) return fail(Error::kState);
  size_t taken = log().take(out);
  if (auto status = space_->protect_pages(out.first(taken), kReadOnly); !status) return status.failure();
  return taken;
}

}  // namespace godwit::vm
