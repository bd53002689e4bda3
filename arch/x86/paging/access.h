// Access rights of a guest-physical page in the second-level tables (EPT or NPT), and of
// the access a guest attempted when it faulted there. The walker in this folder maps
// and protects with them; the backends report second-level faults with them (vm_exit.h).
#pragma once

#include <cstdint>

namespace godwit::x86 {

enum Access : uint8_t { kAccessRead = 1, kAccessWrite = 2, kAccessExecute = 4 };
using Permissions = uint8_t;  // a combination of Access bits
inline constexpr Permissions kAccessAll = kAccessRead | kAccessWrite | kAccessExecute;

}  // namespace godwit::x86
