// Turns a #VMEXIT (the exit code and its two information words) into the backend-neutral
// VmExit. Pure code, unit-tested: it is the one place AMD-V exit codes are interpreted.
#pragma once

#include <cstdint>

#include "arch/x86/backend/vm_exit.h"

namespace godwit::x86::svm {

// What the VMCB says about one exit, copied out by the vCPU.
struct ExitRecord {
  uint64_t code = 0;
  uint64_t info1 = 0;
  uint64_t info2 = 0;
  uint64_t rip = 0;         // guest RIP at the exit (the intercepted instruction)
  uint64_t next_rip = 0;    // VMCB nRIP; meaningful only when nrip_valid
  bool nrip_valid = false;  // the CPU has the next-RIP save feature
};

// The normalized exit. kMsr leaves `msr` at 0: the vCPU fills it from the guest's ECX.
// instruction_length is 0 whenever the length is unknown or implausible (not 1..15).
VmExit decode_exit(const ExitRecord& record);

// Length of the instruction behind an instruction intercept when the CPU does not save
// the next RIP (QEMU's software SVM): fixed by the encoding, so known from the exit code.
// 0 for exits that are not instruction intercepts with one fixed encoding.
uint8_t fixed_instruction_length(uint64_t code);

}  // namespace godwit::x86::svm
