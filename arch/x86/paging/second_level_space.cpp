#include "arch/x86/paging/second_level_space.h"

namespace godwit::x86 {

void SecondLevelSpace::flush() {
  ++flushes_;
  flusher_.flush(*this);
}

Status SecondLevelSpace::unmap(uint64_t gpa) {
  if (auto status = table_.unmap(gpa); !status) return status;
  flush();
  return ok();
}

Status SecondLevelSpace::unmap_range(uint64_t gpa, uint64_t bytes) {
  auto removed = table_.unmap_range(gpa, bytes);
  if (!removed) return removed.failure();
  if (*removed > 0) flush();
  return ok();
}

Status SecondLevelSpace::protect(uint64_t gpa, uint64_t bytes, Permissions permissions) {
  auto reduced = table_.protect(gpa, bytes, permissions);
  if (!reduced) return reduced.failure();
  if (*reduced > 0) flush();
  return ok();
}

Status SecondLevelSpace::protect_pages(std::span<const uint64_t> gfns, Permissions permissions) {
  uint64_t reduced = 0;
  Status status = ok();
  for (uint64_t gfn : gfns) {
    auto result = table_.protect(gfn * 4096, 4096, permissions);
    if (!result) {
      status = result.failure();
      break;
    }
    reduced += *result;
  }
  // Flush even after a failure part-way: the pages protected before it count.
  if (reduced > 0) flush();
  return status;
}

Status SecondLevelSpace::clean(uint64_t gpa, uint64_t bytes) {
  auto cleaned = table_.clean(gpa, bytes);
  if (!cleaned) return cleaned.failure();
  if (*cleaned > 0) flush();
  return ok();
}

Status SecondLevelSpace::clean_pages(std::span<const uint64_t> gfns) {
  uint64_t cleaned = 0;
  Status status = ok();
  for (uint64_t gfn : gfns) {
    auto result = table_.clean(gfn * 4096, 4096);
    if (!result) {
      status = result.failure();
      break;
    }
    cleaned += *result;
  }
  if (cleaned > 0) flush();  // as protect_pages: the pages cleaned before a failure count
  return status;
}

}  // namespace godwit::x86
