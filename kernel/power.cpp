#include "kernel/power.h"

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/console/event.h"

namespace godwit {

namespace {
constexpr uint16_t kQemuDebugExitPort = 0xF4;
constexpr uint16_t kBochsShutdownPort = 0x8900;
}  // namespace

void halt_machine(ExitCode code) {
  x86::disable_interrupts();
  {
    Event halt("halt");
    halt->field("code", static_cast<unsigned>(code));
  }
  x86::outl(kQemuDebugExitPort, static_cast<uint32_t>(code));
  for (char c : {'S', 'h', 'u', 't', 'd', 'o', 'w', 'n'}) {
    x86::outb(kBochsShutdownPort, static_cast<uint8_t>(c));
  }
  for (;;) asm volatile("cli; hlt");
}

}  // namespace godwit
