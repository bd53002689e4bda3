// Fresh random bytes for the migration CHALLENGE: RDRAND where the CPU has it (Bochs'
// Skylake model, real hardware), else TSC jitter folded through WordHash64 (QEMU's
// qemu64 model has no RDRAND). The nonce only has to be unpredictable enough that a
// recorded HEADER cannot be replayed; the key is what authenticates.
#pragma once

#include <cstdint>
#include <span>

namespace godwit::migrate {

void fill_nonce(std::span<uint8_t> out);

}  // namespace godwit::migrate
