// The one way the hypervisor gives up: a message, an @event "panic", then halt.
// Only for broken hypervisor invariants; guests' and peers' mistakes are errors.
#pragma once

#include <string_view>

namespace godwit {

[[noreturn]] void panic(std::string_view message);

}  // namespace godwit
