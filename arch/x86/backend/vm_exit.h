// Why a vCPU stopped running, normalized: VT-x exit reasons (Intel SDM Vol. 3D
// Appendix C) and AMD-V exit codes (APM Vol. 2 Appendix C) both map onto this small set,
// so everything above arch/ handles exits without knowing which backend produced them.
#pragma once

#include <cstdint>

#include "arch/x86/paging/access.h"

namespace godwit::x86 {

enum class ExitKind : uint8_t {
  kHypercall,  // VMCALL / VMMCALL: number in RAX, arguments in RDI, RSI, RDX
  kCpuid,      // leaf in EAX, subleaf in ECX
  kHlt,
  kIo,                // IN/OUT/INS/OUTS to `port`
  kMsr,               // RDMSR/WRMSR of `msr` (ECX)
  kSecondLevelFault,  // EPT violation / nested page fault at `gpa`
  kInterrupt,         // a host interrupt (timer tick, device) arrived while the guest ran
  kTripleFault,       // the guest shut itself down (VT-x triple fault, AMD-V shutdown)
  kInvalidState,      // the CPU refused to enter the guest (bad state or controls)
  kException,         // an intercepted guest exception (`vector`)
  kOther,             // anything else; `raw` has the backend's own code
  kDirtyLogFull,      // the CPU's log of written pages is full (VT-x PML): drain it and go on
};

inline constexpr int kExitKindCount = 12;

struct VmExit {
  ExitKind kind = ExitKind::kOther;
  // Bytes of the instruction that caused the exit (hypercall, CPUID, HLT, I/O, MSR), so
  // Vcpu::skip_instruction can advance RIP. AMD-V without next-RIP saving knows it from
  // the exit code (QEMU 7.2's software SVM leaves nRIP at 0).
  uint8_t instruction_length = 0;
  uint64_t gpa = 0;            // kSecondLevelFault
  Permissions access = 0;      // kSecondLevelFault: what the guest tried
  bool present = false;        // kSecondLevelFault: a mapping exists (a permission fault)
  uint16_t port = 0;           // kIo
  uint8_t io_size = 0;         // kIo: 1, 2 or 4 bytes
  bool write = false;          // kIo (OUT) and kMsr (WRMSR)
  uint32_t msr = 0;            // kMsr
  uint8_t vector = 0;          // kException
  uint64_t raw = 0;            // the backend's exit reason or code, for messages
  uint64_t qualification = 0;  // the backend's extra information, for messages
};

// A short, stable, lower-case name ("hypercall", "second-level fault").
const char* to_string(ExitKind kind);

}  // namespace godwit::x86
