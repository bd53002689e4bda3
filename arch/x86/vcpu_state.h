// Everything architectural about one vCPU that a migration must carry, in one plain
// struct shared by both backends (VT-x reads/writes it from the VMCS, AMD-V from the
// VMCB) and by the migration stream. Backend-neutral: no VMCS or VMCB names here.
// Segment attributes use the VMX "access rights" layout (Intel SDM Vol. 3C 25.4.1,
// Table 25-2): type[3:0] S[4] DPL[6:5] P[7] AVL[12] L[13] D/B[14] G[15] unusable[16];
// the AMD-V backend converts to and from its packed 12-bit form (APM Vol. 2 15.5.1).
#pragma once

#include <cstdint>

namespace godwit::x86 {

enum Gpr : unsigned {
  kRax,
  kRcx,
  kRdx,
  kRbx,
  kRsp,
  kRbp,
  kRsi,
  kRdi,
  kR8,
  kR9,
  kR10,
  kR11,
  kR12,
  kR13,
  kR14,
  kR15
};

// The registers an exit handler reads and writes. After Vcpu::run() returns they are
// current (RSP, RIP and RFLAGS included); changes are written back on the next entry.
struct GuestRegisters {
  uint64_t gpr[16] = {};  // x86 encoding order (RAX=0 ... R15=15)
  uint64_t rip = 0;
  uint64_t rflags = 0x2;
};
static_assert(sizeof(GuestRegisters) == uint64_t{18} * 8);

struct SegmentState {
  uint16_t selector = 0;
  uint16_t reserved = 0;
  uint32_t attributes = 0;  // VMX access-rights layout, see above
  uint32_t limit = 0;
  uint32_t reserved2 = 0;
  uint64_t base = 0;
};
static_assert(sizeof(SegmentState) == 24);

struct DescriptorTableState {
  uint64_t base = 0;
  uint32_t limit = 0;
  uint32_t reserved = 0;
};
static_assert(sizeof(DescriptorTableState) == 16);

// The x87, MMX and SSE state as FXSAVE with REX.W (FXSAVE64) stores it: the "legacy
// region" of Intel SDM Vol. 1 10.5.1, Table 10-2 (64-bit format), AMD APM Vol. 5 FXSAVE.
// Both vendors read and write this layout, so it moves between VT-x and AMD-V nodes.
struct FxsaveArea {
  uint16_t fcw = 0x037F;  // x87 control word after FNINIT
  uint16_t fsw = 0;
  uint8_t ftw = 0;  // abridged tag word: one bit per register, 0 = empty
  uint8_t reserved0 = 0;
  uint16_t fop = 0;
  uint64_t fip = 0;         // last x87 instruction pointer (64-bit format)
  uint64_t fdp = 0;         // last x87 data pointer
  uint32_t mxcsr = 0x1F80;  // SSE control/status after reset: all exceptions masked
  uint32_t mxcsr_mask = 0;  // what the saving CPU supports; FXRSTOR ignores it
  uint8_t st[8][16] = {};   // ST0-ST7 / MM0-MM7, 10 bytes used of each 16
  uint8_t xmm[16][16] = {};
  uint8_t reserved1[48] = {};
  uint8_t available[48] = {};  // ignored by the CPU
};
static_assert(sizeof(FxsaveArea) == 512);

// XCR0 bits (SDM Vol. 1 13.3): the state components a guest's FpuState holds. Godwit
// carries x87 and SSE (the FXSAVE area) and offers guests no XSAVE (the CPU model lacks
// it and XSETBV exits), so a guest's XCR0 is always exactly these two.
inline constexpr uint64_t kXcr0X87 = 1u << 0, kXcr0Sse = 1u << 1;
inline constexpr uint64_t kGuestXcr0 = kXcr0X87 | kXcr0Sse;
// MXCSR bits 31:16 are reserved on every CPU (SDM Vol. 1 10.5.1.1); FXRSTOR of one raises
// #GP. A CPU may reserve more (its MXCSR_MASK says which): the loading node checks those.
inline constexpr uint32_t kMxcsrReservedBits = 0xFFFF'0000u;

// One guest's floating-point state: what a guest switch keeps and a migration carries.
struct FpuState {
  uint64_t xcr0 = kGuestXcr0;  // the components below; exactly kGuestXcr0
  uint64_t reserved = 0;
  FxsaveArea fxsave;
};
static_assert(sizeof(FpuState) == 528);

struct VcpuState {
  GuestRegisters regs;
  uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0;
  uint64_t dr7 = 0x400;
  uint64_t efer = 0;
  uint64_t pat = 0x0007040600070406ull;  // the power-on default
  uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
  uint64_t star = 0, lstar = 0, cstar = 0, sfmask = 0, kernel_gs_base = 0;
  SegmentState es, cs, ss, ds, fs, gs, ldtr, tr;
  DescriptorTableState gdtr, idtr;
  // Guest time: the guest's monotonic clock in ns when the state was captured. The
  // destination continues the clock from here (guest time never goes backwards).
  // Kept by the VM layer, not by the backends.
  uint64_t guest_time_ns = 0;
  // An event the vCPU must take on its next entry (VMX entry-interruption format:
  // vector[7:0] type[10:8] deliver-error-code[11] valid[31]); 0 when none.
  uint32_t pending_event = 0;
  uint32_t pending_error_code = 0;
  uint32_t activity = 0;  // 0 = active, 1 = halted (HLT)
  uint32_t reserved = 0;
  // x87/SSE (since stream 2.3). The default is the state after reset, so a guest that
  // never used floating point carries that.
  FpuState fpu;
};
static_assert(sizeof(VcpuState) == 1040);

// One CPUID answer a guest sees: the registers for (leaf in EAX, subleaf in ECX).
struct CpuidEntry {
  uint32_t leaf = 0;
  uint32_t subleaf = 0;  // 0 for leaves that have none
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};
static_assert(sizeof(CpuidEntry) == 24);

// The CPUID values fixed for a guest when it is created (its CPU model, as QEMU's -cpu
// models are), carried by a migration so the guest reads the same values on every node
// (docs/decisions/0011-guest-cpu-model.md). Entries are sorted by (leaf, subleaf), each
// once; a leaf that is not listed reads as zero. Godwit's own leaves 0x40000000-0x4FFFFFFF
// are not here: the node answers them (include/godwit/abi.h).
inline constexpr uint32_t kMaxCpuidEntries = 16;
struct GuestCpuid {
  uint32_t model = 0;  // the model it was built from (kernel/vm/cpu_model.h); 0 = none
  uint32_t count = 0;  // entries in use; the others are zero
  CpuidEntry entries[kMaxCpuidEntries] = {};
};
static_assert(sizeof(GuestCpuid) == 8 + 16 * 24);

}  // namespace godwit::x86
