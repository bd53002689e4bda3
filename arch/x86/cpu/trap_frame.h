// The register state saved by the interrupt stubs in isr.S, in push order reversed.
#pragma once

#include <cstdint>

namespace godwit::x86 {

struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector;
  uint64_t error_code;  // 0 for vectors without one
  // Pushed by the CPU (SDM Vol. 3A 7.14.2, "64-Bit Mode Stack Frame").
  uint64_t rip, cs, rflags, rsp, ss;
};

}  // namespace godwit::x86
