// The Godwit paravirtual guest ABI, shared by the hypervisor and every guest.
// Version 1.1. Documented in docs/abi.md; change both together and bump the version.
//
// Plain C-compatible C++: fixed-width types only, no dependencies, usable freestanding.
#pragma once

#include <stdint.h>

namespace godwit::abi {

inline constexpr uint16_t kVersionMajor = 1;
inline constexpr uint16_t kVersionMinor = 1;

// --- Discovery ---------------------------------------------------------------------
// CPUID leaf 0x40000000: EAX = highest Godwit leaf, EBX:ECX:EDX = "GodwitGodwit".
// CPUID leaf 0x40000001: EAX = (major << 16) | minor, EBX = hypercall instruction
// (kInstructionVmcall on Intel VT-x, kInstructionVmmcall on AMD-V). Other leaves in
// 0x40000000-0x4FFFFFFF read as zero. Every leaf outside that range comes from the
// guest's CPU model (docs/abi.md, "Discovery: CPUID"), the same on every node.
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
// wholly inside the guest's RAM, or the call fails with kBadAddress. The instruction is
// the one GuestBootInfo::hypercall_instruction names; guests read it at every call,
// because a migration may move them to a host with the other backend.
enum class Hypercall : uint64_t {
  kConsoleWrite = 0,  // (gpa text, 1 <= length <= kMaxConsoleWrite) -> bytes written;
                      // the length is checked first. Bytes are gathered into lines.
  kTimeNs = 1,        // () -> guest monotonic time in nanoseconds (carried across a
                      // migration: it never goes backwards)
  kYield = 2,         // () -> 0; lets other guests run
  kBlockUntil = 3,    // (guest time in ns < kMaxBlockUntilNs) -> 0 once that time has
                      // passed; at once if it has. May return early: re-check the time.
  kExit = 4,          // (status) -> does not return
  kMigrateSelf = 5,   // (IPv4 address as a.b.c.d = a<<24|..., TCP port, MigrateMode)
                      // -> 0 when started; the guest continues on the destination or,
                      // after a failure, here. Address 0 or wider than 32 bits, port 0
                      // or above 65535, an unknown mode: kBadArgument. Until migration
                      // exists: kUnsupported.
};

// kMigrateSelf's third argument (RDX): how to move (docs/abi.md). 0, what a guest that
// passes nothing gets, is pre-copy.
enum class MigrateMode : uint64_t { kPrecopy = 0, kStopAndCopy = 1, kPostcopy = 2, kHybrid = 3 };

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
// kBlockUntil refuses deadlines from here on (2^62 ns, about 146 years) with
// kBadArgument: a guest asking for that has a bug, and would otherwise never wake.
inline constexpr uint64_t kMaxBlockUntilNs = 1ull << 62;

// --- Entry state and memory layout -------------------------------------------------------
// The guest starts in 64-bit long mode, ring 0, at its ELF entry point with:
//   RDI = kBootInfoAddress, RSP = kStackTop, RFLAGS = 0x2 (interrupts off), every other
//   general register 0; x87/SSE as after FNINIT (FCW 0x37F, MXCSR 0x1F80), kept per guest
//   across switches and migrations; CR0 = PE|MP|ET|NE|WP|PG, CR4 = PAE|OSFXSR|OSXMMEXCPT,
//   EFER = LME|LMA|NXE, CR3 = kPageTablesAddress;
//   CS = 64-bit code (kCodeSelector), SS/DS/ES/FS/GS = flat data (kDataSelector), bases
//   0, from the GDT the hypervisor placed at kGdtAddress (GDTR limit kGdtLimit); TR =
//   kTssSelector, a busy 64-bit TSS at kTssAddress (VT-x cannot enter a guest without
//   one); LDTR null. No IDT (IDTR base 0, limit 0): the guest installs its own if it
//   wants one; an exception before that is a triple fault and ends the guest.
//   Paging: page tables at kPageTablesAddress (PML4, PDPT, PD, then the page table of
//   the first 2 MiB, one page each) identity-map all guest RAM, writable, executable,
//   supervisor-only, with 2 MiB pages, except that the first 2 MiB are mapped with
//   4 KiB pages and page 0 is not present (so null pointers fault). Nothing else is
//   mapped. The guest may rewrite these tables; they are ordinary guest RAM.
// Guest-physical layout (all below the image; RAM is zero where nothing is written):
inline constexpr uint64_t kBootInfoAddress = 0x1000;    // one page, GuestBootInfo
inline constexpr uint64_t kGdtAddress = 0x2000;         // one page: GDT, then the TSS
inline constexpr uint64_t kPageTablesAddress = 0x3000;  // 4 pages (to 0x7000)
inline constexpr uint64_t kStackBottom = 0x10000;       // 0x7000-0x10000: reserved, zero
inline constexpr uint64_t kStackTop = 0x80000;          // 448 KiB of stack
inline constexpr uint64_t kImageBase = 0x100000;        // ELF images are linked here
inline constexpr uint64_t kMinMemory = 2ull << 20;      // memory sizes are multiples of
inline constexpr uint64_t kMaxMemory = 1ull << 30;      // 2 MiB in [kMinMemory, kMaxMemory]

// --- Devices ----------------------------------------------------------------------------
// A guest started with a network (`new <image> net=A.B.C.D/N`) has a virtio-net device
// (virtio 1.1, 5.1) on the virtio-mmio transport, version 2 registers (virtio 1.1, 4.2),
// at this guest-physical page, which lies above all RAM and is not mapped in the
// guest's second-level tables: the guest maps it in its own page tables and reaches the
// registers only with 32-bit `mov` loads and stores (8B /r, 89 /r, no prefix but REX
// with W=0), from code running identity-mapped. Any other access ends the guest
// (`device-error`). Guests without a network have nothing there (`outside-ram`).
inline constexpr uint64_t kVirtioNetMmioBase = 0x40000000;
inline constexpr uint64_t kVirtioNetMmioBytes = 0x1000;

// The GDT: 0x00 null, 0x08 64-bit code (L=1, D=0), 0x10 data, 0x18 the TSS descriptor
// (16 bytes). All descriptors have their accessed bit set, so the CPU never writes them.
inline constexpr uint16_t kCodeSelector = 0x08;
inline constexpr uint16_t kDataSelector = 0x10;
inline constexpr uint16_t kTssSelector = 0x18;
inline constexpr uint16_t kGdtLimit = 0x27;                  // five 8-byte slots
inline constexpr uint64_t kTssAddress = kGdtAddress + 0x80;  // 104 bytes, no I/O map
inline constexpr uint64_t kPageTablesBytes = 4 * 4096ull;

inline constexpr uint32_t kBootInfoMagic = 0x476f4277;  // "wBoG"
inline constexpr uint32_t kMaxCommandLine = 256;

struct GuestBootInfo {
  uint32_t magic;          // kBootInfoMagic
  uint16_t version_major;  // kVersionMajor
  uint16_t version_minor;
  uint64_t memory_bytes;               // guest RAM is [0, memory_bytes)
  uint64_t free_start;                 // first page-aligned guest-physical byte after the image
  uint32_t guest_id;                   // the hypervisor's id for this guest (informational)
  uint32_t hypercall_instruction;      // kInstructionVmcall or kInstructionVmmcall; both
                                       // rewritten by the host that resumes a migrated guest
  char command_line[kMaxCommandLine];  // NUL-terminated, e.g. "rate=200 wss=4M"; the
                                       // rest of the page after the struct is zero
};
static_assert(sizeof(GuestBootInfo) == 32 + kMaxCommandLine);

}  // namespace godwit::abi
