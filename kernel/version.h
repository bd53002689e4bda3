#pragma once

#include <string_view>

namespace godwit {

inline constexpr std::string_view kVersion = GODWIT_VERSION;

}  // namespace godwit
