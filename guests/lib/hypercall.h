// Hypercalls (include/godwit/abi.h): RAX = number, arguments in RDI, RSI, RDX, result in
// RAX. The instruction is VMCALL on VT-x and VMMCALL on AMD-V; it is chosen at every
// call from the boot info, so one binary runs on both backends, and a guest migrated to
// a host of the other kind uses the instruction its new boot info names.
#pragma once

#include <cstddef>
#include <cstdint>

#include "godwit/abi.h"

namespace godwit::guest {

// Any number and arguments, unchecked: the isolation guest needs to send bad ones.
int64_t hypercall(uint64_t number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0);

inline int64_t hypercall(abi::Hypercall number, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
  return hypercall(static_cast<uint64_t>(number), a0, a1, a2);
}

// The guest runs identity-mapped, so a pointer is its guest-physical address.
inline uint64_t gpa_of(const void* p) { return reinterpret_cast<uint64_t>(p); }

inline int64_t console_write(const char* text, size_t length) {
  return hypercall(abi::Hypercall::kConsoleWrite, gpa_of(text), length);
}
inline uint64_t time_ns() { return static_cast<uint64_t>(hypercall(abi::Hypercall::kTimeNs)); }
inline void yield() { (void)hypercall(abi::Hypercall::kYield); }
// Returns once guest time reached `deadline_ns` or earlier (see sleep_until).
inline int64_t block_until(uint64_t deadline_ns) {
  return hypercall(abi::Hypercall::kBlockUntil, deadline_ns);
}
inline int64_t migrate_self(uint32_t ipv4, uint64_t port,
                            abi::MigrateMode mode = abi::MigrateMode::kPrecopy) {
  return hypercall(abi::Hypercall::kMigrateSelf, ipv4, port, static_cast<uint64_t>(mode));
}
[[noreturn]] void exit(int64_t status);

// Selects the instruction from the boot info at `info` (set once by the entry code).
void set_boot_info(const abi::GuestBootInfo* info);
const abi::GuestBootInfo& boot_info();

}  // namespace godwit::guest
