// The EPT pointer (Intel SDM Vol. 3C 25.6.11, Table 25-9 "Format of Extended-Page-Table
// Pointer"): bits 2:0 memory type of the paging structures (6 = write-back), bits 5:3
// the page-walk length minus one (4-level walk), bit 6 accessed/dirty flags (off: dirty
// pages are found by write-protection, see kernel/vm/dirty_tracker.h and
// docs/architecture.md), bits 51:12 the PML4 address.
#pragma once

#include <cstdint>

namespace godwit::x86::vmx {

inline constexpr uint64_t kEptpWriteBack = 6;
inline constexpr uint64_t kEptpWalkLength4 = (4 - 1) << 3;
inline constexpr uint64_t kEptpAddressMask = 0x000F'FFFF'FFFF'F000ull;

constexpr uint64_t make_eptp(uint64_t pml4) {
  return (pml4 & kEptpAddressMask) | kEptpWalkLength4 | kEptpWriteBack;
}

}  // namespace godwit::x86::vmx
