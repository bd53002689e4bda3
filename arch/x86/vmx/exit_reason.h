// VM-exit information: basic exit reasons (Intel SDM Vol. 3D Appendix C, "VMX Basic
// Exit Reasons"), the exit-reason field (Vol. 3C 25.9.1, Table 25-18) and the exit
// qualifications Godwit decodes (Vol. 3C 28.2.1), typed as bitfields.
#pragma once

#include <bit>
#include <cstdint>

namespace godwit::x86::vmx {

enum class ExitReason : uint16_t {
  kExceptionOrNmi = 0,
  kExternalInterrupt = 1,
  kTripleFault = 2,
  kInitSignal = 3,
  kCpuid = 10,
  kHlt = 12,
  kVmcall = 18,
  kCrAccess = 28,
  kIoInstruction = 30,
  kRdmsr = 31,
  kWrmsr = 32,
  kInvalidGuestState = 33,
  kMsrLoadingFailure = 34,
  kMachineCheckDuringEntry = 41,
  kEptViolation = 48,
  kEptMisconfiguration = 49,
  kPreemptionTimer = 52,
  kPageModificationLogFull = 62,  // Vol. 3C 29.3.6: the PML index left 0-511
};

// Table 25-18, "Format of Exit Reason".
struct ExitReasonField {
  uint32_t basic : 16;
  uint32_t reserved : 11;
  uint32_t enclave_mode : 1;
  uint32_t pending_mtf : 1;
  uint32_t from_vmx_root : 1;
  uint32_t reserved2 : 1;
  uint32_t entry_failure : 1;  // the VM entry failed (reasons 33, 34, 41)
};
static_assert(sizeof(ExitReasonField) == 4);

// Table 28-7, "Exit Qualification for EPT Violations".
struct EptViolationQualification {
  uint64_t read : 1;        // the access was a data read
  uint64_t write : 1;       // a data write
  uint64_t execute : 1;     // an instruction fetch
  uint64_t readable : 1;    // the translation allowed reads (ANDed over the walk)
  uint64_t writable : 1;    // ... writes
  uint64_t executable : 1;  // ... instruction fetches
  uint64_t user_executable : 1;
  uint64_t linear_address_valid : 1;
  uint64_t final_translation : 1;  // the final address, not a guest paging-structure access
  uint64_t detail : 3;
  uint64_t nmi_unblocking : 1;
  uint64_t reserved : 51;
};
static_assert(sizeof(EptViolationQualification) == 8);

// Table 28-5, "Exit Qualification for I/O Instructions".
struct IoQualification {
  uint64_t size_minus_one : 3;  // 0, 1 or 3
  uint64_t in : 1;              // 1 = IN, 0 = OUT
  uint64_t string : 1;
  uint64_t rep : 1;
  uint64_t immediate : 1;
  uint64_t reserved : 9;
  uint64_t port : 16;
  uint64_t reserved2 : 32;
};
static_assert(sizeof(IoQualification) == 8);

// Table 25-19, "Format of the VM-Exit Interruption-Information Field"; the IDT-vectoring
// and VM-entry interruption-information fields share the layout (Tables 25-20, 25-17).
struct InterruptionInfo {
  uint32_t vector : 8;
  uint32_t type : 3;  // 0 external, 2 NMI, 3 hardware exception, 4-6 software events
  uint32_t error_code_valid : 1;
  uint32_t nmi_unblocking : 1;
  uint32_t reserved : 18;
  uint32_t valid : 1;
};
static_assert(sizeof(InterruptionInfo) == 4);

template <class Layout, class Raw>
constexpr Layout decode(Raw raw) {
  static_assert(sizeof(Layout) == sizeof(Raw));
  return std::bit_cast<Layout>(raw);
}

}  // namespace godwit::x86::vmx
