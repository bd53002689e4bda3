// Ending the machine. Under QEMU the isa-debug-exit device (port 0xf4) ends the emulator
// with status (code << 1) | 1; under Bochs the string "Shutdown" on port 0x8900 ends it.
// Both are written: each emulator ignores the other's port. An @event "halt" line says
// the code first, so tools learn it on either emulator.
#pragma once

#include <cstdint>

namespace godwit {

enum class ExitCode : uint8_t { kSuccess = 0, kFailure = 1, kPanic = 2 };

[[noreturn]] void halt_machine(ExitCode code);

}  // namespace godwit
