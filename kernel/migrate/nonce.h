// Fresh random bytes for the migration CHALLENGE: checked RDRAND words where the CPU has
// them (Bochs' Skylake model, real hardware; QEMU's qemu64 has none), TSC jitter, the
// TSC and the CMOS clock, mixed through SHA-256 in kernel/entropy/entropy_pool.h. A
// RDRAND that fails its checks (kernel/entropy/hardware_random_check.h) is dropped for
// the rest of the boot, with a warning. Nonces never repeat within a boot; how
// unpredictable they are depends on the best source present.
#pragma once

#include <cstdint>
#include <span>

namespace godwit::migrate {

void fill_nonce(std::span<uint8_t> out);

}  // namespace godwit::migrate
