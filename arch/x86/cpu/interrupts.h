// The IDT, exception reporting and the table of device interrupt handlers.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/trap_frame.h"

namespace godwit::x86 {

inline constexpr uint8_t kVectorTimer = 32;
inline constexpr uint8_t kVectorLegacyPicBase = 48;  // 8259 remapped here, all masked
inline constexpr uint8_t kVectorSpurious = 255;

using InterruptHandler = void (*)(TrapFrame& frame);

// Installs gates for every stub; exceptions print a register dump and halt the machine.
void init_idt();
// Routes a device interrupt vector (32-63) to `handler`.
void set_interrupt_handler(uint8_t vector, InterruptHandler handler);
// Remaps the two 8259 PICs away from the exception vectors and masks every line.
void disable_legacy_pic();

}  // namespace godwit::x86
