// The guest's parameters, from the command line in its boot info. A value that does
// not parse ends the guest with status 2 and a message naming the parameter: a typo
// must not silently run a different experiment.
#pragma once

#include <cstdint>
#include <string_view>

namespace godwit::guest {

inline constexpr int kExitBadParameter = 2;

std::string_view command_line();
// The value of `key`, or `fallback` when the command line does not name it.
std::string_view param_text(std::string_view key, std::string_view fallback);
// A number (decimal or 0x hex) in [min, max].
uint64_t param_u64(std::string_view key, uint64_t fallback, uint64_t min = 0, uint64_t max = UINT64_MAX);
// A byte count with an optional K/M/G suffix, in [min, max].
uint64_t param_size(std::string_view key, uint64_t fallback, uint64_t min = 0, uint64_t max = UINT64_MAX);

}  // namespace godwit::guest
