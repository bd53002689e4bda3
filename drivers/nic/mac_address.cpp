#include "drivers/nic/mac_address.h"

namespace godwit::net {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Expected<MacAddress> parse_mac(std::string_view text) {
  if (text.size() != 17) return fail(Error::kMalformed);
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) {
    int high = hex_digit(text[i * 3]);
    int low = hex_digit(text[i * 3 + 1]);
    if (high < 0 || low < 0 || (i < 5 && text[i * 3 + 2] != ':')) return fail(Error::kMalformed);
    mac.bytes[i] = static_cast<uint8_t>(high * 16 + low);
  }
  return mac;
}

void format_mac(Sink& out, const MacAddress& mac) {
  const uint8_t* b = mac.bytes;
  format(out, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5]);
}

}  // namespace godwit::net
