// The Godwit paravirtual guest ABI, shared by the hypervisor and every guest.
// Version 1.0. Documented in docs/abi.md; change both together and bump the version.
//
// Plain C-compatible C++: fixed-width types only, no dependencies, usable freestanding.
#pragma once

#include <stdint.h>

namespace godwit::abi {

inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 0;

// --- Discovery ---------------------------------------------------------------------
// CPUID leaf 0x40000000: EAX = highest Godwit leaf, EBX:ECX:EDX = "GodwitGodwit".
// CPUID leaf 0x40000001: EAX = (major << 16) | minor, EBX = hypercall instruction
// (kInstructionVmcall on Intel VT-x, kInstructionVmmcall on AMD-V).
inline constexpr uint32_t kCpuidSignatureLeaf = 0x40000000;
inline constexpr uint32_t kCpuidInterfaceLeaf = 0x40000001;
inline constexpr uint32_t kSignatureEbx = 0x77646f47;  // "Godw"
inline constexpr uint32_t kSignatureEcx = 0x6f477469;  // "itGo"
inline constexpr uint32_t kSignatureEdx = 0x74697764;  // "dwit"
inline constexpr uint32_t kInstructionVmcall = 1;      // 0f 01 c1
inline constexpr uint32_t kInstructionVmmcall = 2;     // 0f 01 d9

// --- Hypercalls ----------------------------------------------------------------------
// RAX = number, arguments in RDI, RSI, RDX; result in RAX (>= 0 success, < 0 Status).
// Every other register is preserved. Guest addresses are guest-physical and must lie
// wholly inside the guest's RAM, or the call fails with kBadAddress.
enum class Hypercall : uint64_t {
  kConsoleWrite = 0,  // (gpa text, length <= kMaxConsoleWrite) -> bytes written
  kTimeNs = 1,        // () -> guest monotonic time in nanoseconds
  kYield = 2,         // () -> 0; lets other guests run
  kBlockUntil = 3,    // (guest time in ns) -> 0 once that time has passed
  kExit = 4,          // (status) -> does not return
  kMigrateSelf = 5,   // (IPv4 address as a.b.c.d = a<<24|..., TCP port) -> 0 when
                      // started; the guest continues on the destination or, after a
                      // failure, here. Optional until migration exists: kUnsupported.
};

enum class Status : int64_t {
  kOk = 0,
  kUnknownCall = -1,  // no such hypercall number
  kBadAddress = -2,   // a buffer is not wholly inside guest RAM
  kBadLength = -3,    // a length is zero where forbidden or over its limit
  kBadArgument = -4,  // another argument is out of range
  kUnsupported = -5,  // known, but not available on this hypervisor
  kBusy = -6,         // try again later (e.g. a migration is already running)
};

inline constexpr uint64_t kMaxConsoleWrite = 4096;

// --- Entry state and memory layout -------------------------------------------------------
// The guest starts in 64-bit long mode at its ELF entry point with:
//   RDI = kBootInfoAddress, RSP = kStackTop, RFLAGS = 0x2 (interrupts off),
//   CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|OSXMMEXCPT, EFER = LME|LMA|NXE,
//   CS = 64-bit code (selector 0x08), SS/DS/ES/FS/GS = data (0x10), flat, from a GDT
//   the hypervisor placed at kGdtAddress; no IDT (the guest installs its own if it
//   wants one; an exception before that is a triple fault and ends the guest).
//   Paging: the hypervisor wrote page tables at kPageTablesAddress that identity-map
//   all guest RAM with 2 MiB pages, except that the first 2 MiB are mapped with 4 KiB
//   pages and page 0 is not present (so null pointers fault).
// Guest-physical layout (all below the image):
inline constexpr uint64_t kBootInfoAddress = 0x1000;     // one page, GuestBootInfo
inline constexpr uint64_t kGdtAddress = 0x2000;          // one page
inline constexpr uint64_t kPageTablesAddress = 0x3000;   // up to 13 pages (to 0x10000)
inline constexpr uint64_t kStackBottom = 0x10000;
inline constexpr uint64_t kStackTop = 0x80000;           // 448 KiB of stack
inline constexpr uint64_t kImageBase = 0x100000;         // ELF images are linked here
inline constexpr uint64_t kMinMemory = 2ull << 20;
inline constexpr uint64_t kMaxMemory = 1ull << 30;

inline constexpr uint32_t kBootInfoMagic = 0x476f4277;  // "wBoG"
inline constexpr uint32_t kMaxCommandLine = 256;

struct GuestBootInfo {
  uint32_t magic;           // kBootInfoMagic
  uint16_t version_major;   // kVersionMajor
  uint16_t version_minor;
  uint64_t memory_bytes;    // guest RAM is [0, memory_bytes)
  uint64_t free_start;      // first guest-physical byte after the loaded image
  uint32_t guest_id;        // the hypervisor's id for this guest (informational)
  uint32_t hypercall_instruction;  // kInstructionVmcall or kInstructionVmmcall
  char command_line[kMaxCommandLine];  // NUL-terminated, e.g. "rate=200 wss=4M"
};
static_assert(sizeof(GuestBootInfo) == 32 + kMaxCommandLine);

}  // namespace godwit::abi
