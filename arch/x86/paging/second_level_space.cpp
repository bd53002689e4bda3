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

Status SecondLevelSpace::protect(uint64_t gpa, uint64_t bytes, Permissions permissions) {
  auto reduced = table_.protect(gpa, bytes, permissions);
  if (!reduced) return reduced.failure();
  if (*reduced > 0) flush();
  return ok();
}

}  // namespace godwit::x86
