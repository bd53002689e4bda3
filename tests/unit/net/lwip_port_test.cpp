#include "net/lwip_port.h"

#include <gtest/gtest.h>

#include <cstdarg>

namespace godwit::net {
namespace {

std::string printf_like(const char* fmt, ...) {
  FixedString<200> out;
  va_list args;
  va_start(args, fmt);
  format_printf(out.sink(), fmt, args);
  va_end(args);
  return std::string(out.view());
}

TEST(LwipPort, FormatsWhatLwipDiagnosticsUse) {
  EXPECT_EQ(printf_like("pbuf %d of %u at %s", -3, 40u, "tcp.c"), "pbuf -3 of 40 at tcp.c");
  EXPECT_EQ(printf_like("%02x:%04X|%5d|%-4u|", 10, 0xbeefu, 42, 7u), "0a:BEEF|   42|7   |");
  EXPECT_EQ(printf_like("%hu %lu %zu %c%%", 65535, 1ul << 40, size_t{9}, 'z'), "65535 1099511627776 9 z%");
  EXPECT_EQ(printf_like("%s %q", static_cast<const char*>(nullptr)), "(null) %q");
}

}  // namespace
}  // namespace godwit::net
