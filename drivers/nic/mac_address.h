// MAC addresses as people write them: "52:54:00:12:34:56".
#pragma once

#include <string_view>

#include "drivers/nic/nic.h"
#include "lib/expected.h"
#include "lib/format.h"

namespace godwit::net {

// Six two-digit hex bytes separated by ':'; kMalformed otherwise.
Expected<MacAddress> parse_mac(std::string_view text);
void format_mac(Sink& out, const MacAddress& mac);

}  // namespace godwit::net
