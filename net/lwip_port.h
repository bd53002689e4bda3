// What lwIP needs from its platform (time, randomness, diagnostics, fatal assertions),
// supplied by whoever runs lwIP: the hypervisor (net::init, net/net.cpp) or a
// unit test. lwIP calls the C functions declared in lwip/arch/cc.h and sys_now(); they
// forward to the installed LwipPort.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/format.h"

namespace godwit::net {

struct LwipPort {
  uint64_t (*now_ns)();  // monotonic nanoseconds (lwIP's timers in ms, ping's RTT)
  uint32_t (*random)();  // TCP initial sequence numbers, ephemeral ports
  void (*diag)(std::string_view line);
  // A broken lwIP invariant: should not return (the kernel panics; if it returns,
  // godwit_lwip_assert traps).
  void (*fatal)(std::string_view message, std::string_view file, int line);
};

// Installs the port before lwip_init(); the struct must outlive lwIP.
void install_lwip_port(const LwipPort& port);
// The installed port's clock (0 when none is installed).
uint64_t lwip_now_ns();

// printf-style formatting for LWIP_PLATFORM_DIAG: %d %i %u %x %X %c %s %p %%, with
// flags '-' and '0', a width and the h/hh/l/ll/z length modifiers. Anything else is
// copied literally. Exposed for tests.
void format_printf(Sink& out, const char* format, __builtin_va_list args);

}  // namespace godwit::net
