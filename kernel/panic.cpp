#include "kernel/panic.h"

#include "arch/x86/cpu/intrinsics.h"
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/power.h"

namespace godwit {

void panic(std::string_view message) {
  x86::disable_interrupts();
  log::error("PANIC: {}", message);
  {
    Event event("panic");
    event->field("message", message);
  }
  halt_machine(ExitCode::kPanic);
}

}  // namespace godwit
