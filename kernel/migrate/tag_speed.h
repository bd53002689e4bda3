// Which of BearSSL's two Poly1305s tags this node's migration records: both are timed
// once at start-up and the faster is kept (migration/chacha20_poly1305.h says why the
// answer differs between QEMU TCG, Bochs and real CPUs; decision 0013, item 10).
#pragma once

#include <cstdint>
#include <span>

namespace godwit::migrate {

// Tags `scratch` (at least 4 KiB; its bytes are overwritten) with each Poly1305 a few
// times, selects the faster for every later tag and logs both speeds.
void choose_poly1305(std::span<uint8_t> scratch);

}  // namespace godwit::migrate
