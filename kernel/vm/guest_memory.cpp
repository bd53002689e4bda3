#include "kernel/vm/guest_memory.h"

#include <cstring>

#include "kernel/memory/physical_memory.h"

namespace godwit::vm {

Status GuestMemory::allocate(uint64_t bytes) {
  if (frames_ != nullptr || bytes == 0 || bytes % kGuestPageSize != 0) return fail(Error::kInvalidArgument);
  uint64_t pages = bytes / kGuestPageSize;
  uint64_t list_frames = (pages * sizeof(uint64_t) + kPageSize - 1) / kPageSize;
  if (pages + list_frames > memory::frames().free_frames()) return fail(Error::kOutOfMemory);
  auto list = memory::frames().allocate(list_frames);
  if (!list) return list.failure();
  frames_ = reinterpret_cast<uint64_t*>(*list);
  list_frames_ = list_frames;
  pages_ = 0;
  for (uint64_t gfn = 0; gfn < pages; ++gfn) {
    auto frame = memory::frames().allocate();
    if (!frame) {
      release();
      return frame.failure();
    }
    std::memset(reinterpret_cast<void*>(*frame), 0, kPageSize);
    frames_[gfn] = *frame;
    pages_ = gfn + 1;
  }
  return ok();
}

void GuestMemory::release() {
  if (frames_ == nullptr) return;
  for (uint64_t gfn = 0; gfn < pages_; ++gfn) (void)memory::frames().free(frames_[gfn]);
  (void)memory::frames().free(reinterpret_cast<uint64_t>(frames_), list_frames_);
  frames_ = nullptr;
  pages_ = 0;
  list_frames_ = 0;
}

Status GuestMemory::map_into(x86::SecondLevelSpace& space) const {
  for (uint64_t gfn = 0; gfn < pages_; ++gfn) {
    if (auto status = space.map(gfn * kGuestPageSize, frames_[gfn], x86::kAccessAll); !status) return status;
  }
  return ok();
}

uint8_t* GuestMemory::page(uint64_t gfn) {
  if (gfn >= pages_) return nullptr;
  return reinterpret_cast<uint8_t*>(frames_[gfn]);
}

}  // namespace godwit::vm
