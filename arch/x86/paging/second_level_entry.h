// One entry of a second-level page table, in either of the two formats the CPUs walk:
//   EPT (Intel SDM Vol. 3C 29.3.2, "EPT Translation Mechanism"): bit 0 read, 1 write,
//     2 execute, 5:3 memory type (leaves only; 6 = write-back), 12+ frame address.
//     With accessed/dirty flags enabled in the EPTP (29.3.5, "Accessed and Dirty Flags
//     for EPT"), the CPU sets bit 8 (accessed) in every entry it uses and bit 9 (dirty)
//     in a leaf it writes through; page-modification logging (29.3.6) keys on bit 9.
//   NPT (AMD APM Vol. 2 15.25.5, "Nested Table Walk", which uses the long-mode entries
//     of 5.3.3): bit 0 present (= readable), 1 writable, 2 user (nested walks are user
//     accesses, so it is set at every level), 6 dirty (set by the CPU in a leaf it
//     writes through), 12+ frame address. Execute permission is not expressed: NX
//     would need host EFER.NXE and Godwit never maps data it must keep the guest from
//     executing.
// Pure code: the one place the bit layouts live, unit-tested on the host.
#pragma once

#include <cstdint>

#include "arch/x86/paging/access.h"

namespace godwit::x86 {

enum class PagingFormat : uint8_t { kEpt, kNpt };

namespace second_level {

inline constexpr uint64_t kAddressMask = 0x000F'FFFF'FFFF'F000ull;  // bits 51:12
inline constexpr uint64_t kEptRead = 1u << 0, kEptWrite = 1u << 1, kEptExecute = 1u << 2;
inline constexpr uint64_t kEptWriteBack = 6u << 3;
inline constexpr uint64_t kEptAccessed = 1u << 8, kEptDirty = 1u << 9;
inline constexpr uint64_t kNptPresent = 1u << 0, kNptWritable = 1u << 1, kNptUser = 1u << 2;
inline constexpr uint64_t kNptDirty = 1u << 6;

// An entry pointing at the next-level table, granting everything (the leaf decides).
constexpr uint64_t table_entry(PagingFormat format, uint64_t table) {
  uint64_t flags = format == PagingFormat::kEpt ? (kEptRead | kEptWrite | kEptExecute)
                                                : (kNptPresent | kNptWritable | kNptUser);
  return (table & kAddressMask) | flags;
}

// A 4 KiB leaf mapping `frame` with `permissions`. Write without read cannot be
// expressed (EPT calls it a misconfiguration, NPT has no such state): it maps nothing.
constexpr uint64_t leaf_entry(PagingFormat format, uint64_t frame, Permissions permissions) {
  if ((permissions & kAccessRead) == 0) return 0;
  uint64_t address = frame & kAddressMask;
  if (format == PagingFormat::kEpt) {
    uint64_t flags = kEptRead | kEptWriteBack;
    if (permissions & kAccessWrite) flags |= kEptWrite;
    if (permissions & kAccessExecute) flags |= kEptExecute;
    return address | flags;
  }
  uint64_t flags = kNptPresent | kNptUser;
  if (permissions & kAccessWrite) flags |= kNptWritable;
  return address | flags;
}

// Whether the entry maps anything: EPT has no present bit, any of R/W/X counts (SDM
// 29.3.2); NPT uses the ordinary P bit.
constexpr bool present(PagingFormat format, uint64_t entry) {
  return format == PagingFormat::kEpt ? (entry & (kEptRead | kEptWrite | kEptExecute)) != 0
                                      : (entry & kNptPresent) != 0;
}

constexpr uint64_t address(uint64_t entry) { return entry & kAddressMask; }

// The entry's rights as Access bits; 0 for an entry that is not present.
constexpr Permissions permissions(PagingFormat format, uint64_t entry) {
  if (!present(format, entry)) return 0;
  if (format == PagingFormat::kEpt) {
    return static_cast<Permissions>(((entry & kEptRead) ? kAccessRead : 0) |
                                    ((entry & kEptWrite) ? kAccessWrite : 0) |
                                    ((entry & kEptExecute) ? kAccessExecute : 0));
  }
  return static_cast<Permissions>(kAccessRead | kAccessExecute | ((entry & kNptWritable) ? kAccessWrite : 0));
}

// The dirty flag of a leaf in this format: set by the CPU on a write through it, cleared
// only by software.
constexpr uint64_t dirty_flag(PagingFormat format) {
  return format == PagingFormat::kEpt ? kEptDirty : kNptDirty;
}

}  // namespace second_level
}  // namespace godwit::x86
