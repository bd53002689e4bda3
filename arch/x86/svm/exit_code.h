// AMD-V #VMEXIT codes (APM Vol. 2 Appendix C, Table C-1) and the EXITINFO1 layouts of
// the exits Godwit decodes: IOIO (15.10.2) and nested page faults (15.25.6).
#pragma once

#include <cstdint>

namespace godwit::x86::svm {

namespace exit_code {
inline constexpr uint64_t kExceptionFirst = 0x40;  // 0x40 + vector, for vectors 0..31
inline constexpr uint64_t kExceptionLast = 0x5F;
inline constexpr uint64_t kIntr = 0x60;
inline constexpr uint64_t kNmi = 0x61;
inline constexpr uint64_t kCpuid = 0x72;
inline constexpr uint64_t kInvd = 0x76;
inline constexpr uint64_t kHlt = 0x78;
inline constexpr uint64_t kInvlpga = 0x7A;
inline constexpr uint64_t kIoio = 0x7B;
inline constexpr uint64_t kMsr = 0x7C;
inline constexpr uint64_t kShutdown = 0x7F;
inline constexpr uint64_t kVmrun = 0x80;
inline constexpr uint64_t kVmmcall = 0x81;
inline constexpr uint64_t kVmload = 0x82;
inline constexpr uint64_t kVmsave = 0x83;
inline constexpr uint64_t kStgi = 0x84;
inline constexpr uint64_t kClgi = 0x85;
inline constexpr uint64_t kSkinit = 0x86;
inline constexpr uint64_t kXsetbv = 0x8D;
inline constexpr uint64_t kNpf = 0x400;
// VMRUN refused the guest state or controls. Only the low 32 bits are defined as -1.
inline constexpr uint32_t kInvalid = 0xFFFF'FFFFu;
}  // namespace exit_code

// EXITINFO1 of an IOIO intercept (APM 15.10.2, Figure 15-2).
struct IoioInfo {
  uint64_t raw;
  constexpr bool in() const { return (raw & 1) != 0; }  // TYPE: 1 = IN, 0 = OUT
  constexpr bool string() const { return (raw & (1u << 2)) != 0; }
  constexpr bool rep() const { return (raw & (1u << 3)) != 0; }
  // SZ8, SZ16, SZ32 (bits 4..6), one-hot; 0 when the CPU reported none.
  constexpr uint8_t size() const {
    if (raw & (1u << 4)) return 1;
    if (raw & (1u << 5)) return 2;
    if (raw & (1u << 6)) return 4;
    return 0;
  }
  constexpr uint16_t port() const { return static_cast<uint16_t>(raw >> 16); }
};

// EXITINFO1 of a nested page fault: a #PF-style error code (APM 15.25.6). EXITINFO2
// holds the faulting guest-physical address.
struct NpfInfo {
  uint64_t raw;
  constexpr bool present() const { return (raw & (1u << 0)) != 0; }  // P: a permission fault
  constexpr bool write() const { return (raw & (1u << 1)) != 0; }    // R/W
  constexpr bool user() const { return (raw & (1u << 2)) != 0; }     // U/S
  constexpr bool reserved_bit() const { return (raw & (1u << 3)) != 0; }
  constexpr bool execute() const { return (raw & (1u << 4)) != 0; }  // I/D: instruction fetch
  constexpr bool final_translation() const { return (raw & (1ull << 32)) != 0; }
  constexpr bool guest_table_walk() const { return (raw & (1ull << 33)) != 0; }
};

// EXITINFO1 of an MSR intercept (APM 15.11): 0 = RDMSR, 1 = WRMSR.
inline constexpr uint64_t kMsrWrite = 1;

}  // namespace godwit::x86::svm
