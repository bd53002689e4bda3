// The EPT pointer (Intel SDM Vol. 3C 25.6.11, Table 25-9 "Format of Extended-Page-Table
// Pointer"): bits 2:0 memory type of the paging structures (6 = write-back), bits 5:3
// the page-walk length minus one (4-level walk), bit 6 enables accessed/dirty flags for
// EPT (29.3.5; on only while page-modification logging tracks the guest, which needs
// them: page_modification_log.h), bits 51:12 the PML4 address.
#pragma once

#include <cstdint>

namespace godwit::x86::vmx {

inline constexpr uint64_t kEptpWriteBack = 6;
inline constexpr uint64_t kEptpWalkLength4 = (4 - 1) << 3;
inline constexpr uint64_t kEptpAccessedDirty = 1u << 6;
inline constexpr uint64_t kEptpAddressMask = 0x000F'FFFF'FFFF'F000ull;

constexpr uint64_t make_eptp(uint64_t pml4, bool accessed_dirty = false) {
  return (pml4 & kEptpAddressMask) | kEptpWalkLength4 | kEptpWriteBack |
         (accessed_dirty ? kEptpAccessedDirty : 0);
}

}  // namespace godwit::x86::vmx
