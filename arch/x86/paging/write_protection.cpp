#include "arch/x86/paging/write_protection.h"

namespace godwit::x86 {

namespace {
constexpr Permissions kReadOnly = kAccessRead | kAccessExecute;
constexpr uint64_t kPage = 4096;
}  // namespace

Status WriteProtection::arm(SecondLevelSpace& space, uint64_t ram_bytes) {
  auto status = space.protect(0, ram_bytes, kReadOnly);
  if (!status) (void)space.protect(0, ram_bytes, kAccessAll);  // undo a partial pass
  return status;
}

void WriteProtection::disarm(SecondLevelSpace& space, uint64_t ram_bytes) {
  (void)space.protect(0, ram_bytes, kAccessAll);  // widening: cannot need a flush
}

bool WriteProtection::claim_fault(SecondLevelSpace& space, uint64_t page) {
  return static_cast<bool>(space.protect(page & ~(kPage - 1), kPage, kAccessAll));
}

Status WriteProtection::rearm(SecondLevelSpace& space, std::span<const uint64_t> gfns) {
  return space.protect_pages(gfns, kReadOnly);
}

WriteProtection& write_protection() {
  static constinit WriteProtection instance;
  return instance;
}

}  // namespace godwit::x86
