// The Virtual Machine Control Block, typed once: one 4 KiB page holding the control area
// (AMD APM Vol. 2 Appendix B, Table B-1) and the state-save area at offset 0x400
// (Table B-2). The CPU reads and writes it in place, so the layout is fixed by the
// manual and checked field by field below.
// Pure code: the save/load conversions and their tests work on a plain Vmcb in memory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace godwit::x86::svm {

// Intercept vector 3 (control area offset 0x00C), APM Table B-1.
namespace intercept3 {
inline constexpr uint32_t kIntr = 1u << 0;
inline constexpr uint32_t kNmi = 1u << 1;
inline constexpr uint32_t kCpuid = 1u << 18;
inline constexpr uint32_t kInvd = 1u << 22;
inline constexpr uint32_t kHlt = 1u << 24;
inline constexpr uint32_t kInvlpga = 1u << 26;
inline constexpr uint32_t kIoioProt = 1u << 27;
inline constexpr uint32_t kMsrProt = 1u << 28;
inline constexpr uint32_t kShutdown = 1u << 31;
}  // namespace intercept3

// Intercept vector 4 (offset 0x010).
namespace intercept4 {
inline constexpr uint32_t kVmrun = 1u << 0;  // VMRUN fails unless this is set
inline constexpr uint32_t kVmmcall = 1u << 1;
inline constexpr uint32_t kVmload = 1u << 2;
inline constexpr uint32_t kVmsave = 1u << 3;
inline constexpr uint32_t kStgi = 1u << 4;
inline constexpr uint32_t kClgi = 1u << 5;
inline constexpr uint32_t kSkinit = 1u << 6;
inline constexpr uint32_t kXsetbv = 1u << 13;  // XCR0 is not switched: keep the host's
}  // namespace intercept4

// TLB_CONTROL (offset 0x05C), APM 15.16.2.
enum class TlbControl : uint8_t { kNone = 0, kFlushAll = 1, kFlushAsid = 3 };

// Virtual interrupt control (offset 0x060): with V_INTR_MASKING the guest's RFLAGS.IF
// masks only virtual interrupts, and the host's IF (1 during VMRUN) keeps physical
// interrupts exiting to the host (APM 15.21.1).
inline constexpr uint64_t kVIntrMasking = 1ull << 24;

// NP_ENABLE (offset 0x090), APM 15.25.3.
inline constexpr uint64_t kNpEnable = 1ull << 0;

// EVENTINJ and EXITINTINFO share one layout (APM 15.20): vector[7:0] type[10:8]
// EV[11] V[31] error code[63:32].
namespace event {
inline constexpr uint64_t kValid = 1ull << 31;
inline constexpr uint64_t kErrorCodeValid = 1ull << 11;
inline constexpr unsigned kTypeShift = 8;
inline constexpr uint64_t kTypeIntr = 0, kTypeNmi = 2, kTypeException = 3, kTypeSoftInt = 4;
}  // namespace event

// A segment register in the state-save area; attributes in the packed 12-bit form
// (APM 15.5.1, see segment_attributes.h).
struct VmcbSegment {
  uint16_t selector;
  uint16_t attributes;
  uint32_t limit;
  uint64_t base;
};
static_assert(sizeof(VmcbSegment) == 16);

struct VmcbControl {
  uint16_t intercept_cr_read;     // 0x000
  uint16_t intercept_cr_write;    // 0x002
  uint16_t intercept_dr_read;     // 0x004
  uint16_t intercept_dr_write;    // 0x006
  uint32_t intercept_exceptions;  // 0x008, one bit per vector
  uint32_t intercept_misc3;       // 0x00C, intercept3::
  uint32_t intercept_misc4;       // 0x010, intercept4::
  uint32_t intercept_misc5;       // 0x014
  uint8_t reserved0[0x03C - 0x018];
  uint16_t pause_filter_threshold;  // 0x03C
  uint16_t pause_filter_count;      // 0x03E
  uint64_t iopm_base_pa;            // 0x040, 12 KiB I/O permission map
  uint64_t msrpm_base_pa;           // 0x048, 8 KiB MSR permission map
  uint64_t tsc_offset;              // 0x050
  uint32_t guest_asid;              // 0x058
  uint8_t tlb_control;              // 0x05C, TlbControl
  uint8_t reserved1[3];
  uint64_t virtual_interrupt;   // 0x060, kVIntrMasking, V_TPR, V_IRQ, ...
  uint64_t interrupt_shadow;    // 0x068, bit 0: guest in an interrupt shadow
  uint64_t exit_code;           // 0x070, exit_code.h
  uint64_t exit_info1;          // 0x078
  uint64_t exit_info2;          // 0x080
  uint64_t exit_int_info;       // 0x088, event being delivered when the exit happened
  uint64_t nested_control;      // 0x090, kNpEnable
  uint64_t avic_apic_bar;       // 0x098
  uint64_t ghcb_pa;             // 0x0A0
  uint64_t event_injection;     // 0x0A8, EVENTINJ
  uint64_t nested_cr3;          // 0x0B0, N_CR3: the NPT root
  uint64_t virtualization_ext;  // 0x0B8, LBR / virtual VMLOAD-VMSAVE
  uint32_t clean_bits;          // 0x0C0
  uint32_t reserved2;
  uint64_t next_rip;      // 0x0C8, nRIP (only with the next-RIP save feature)
  uint8_t bytes_fetched;  // 0x0D0
  uint8_t instruction_bytes[15];
  uint8_t reserved3[0x400 - 0x0E0];
};
static_assert(sizeof(VmcbControl) == 0x400);
static_assert(offsetof(VmcbControl, intercept_exceptions) == 0x008);
static_assert(offsetof(VmcbControl, intercept_misc3) == 0x00C);
static_assert(offsetof(VmcbControl, intercept_misc4) == 0x010);
static_assert(offsetof(VmcbControl, pause_filter_threshold) == 0x03C);
static_assert(offsetof(VmcbControl, iopm_base_pa) == 0x040);
static_assert(offsetof(VmcbControl, msrpm_base_pa) == 0x048);
static_assert(offsetof(VmcbControl, guest_asid) == 0x058);
static_assert(offsetof(VmcbControl, tlb_control) == 0x05C);
static_assert(offsetof(VmcbControl, virtual_interrupt) == 0x060);
static_assert(offsetof(VmcbControl, exit_code) == 0x070);
static_assert(offsetof(VmcbControl, exit_info1) == 0x078);
static_assert(offsetof(VmcbControl, exit_info2) == 0x080);
static_assert(offsetof(VmcbControl, exit_int_info) == 0x088);
static_assert(offsetof(VmcbControl, nested_control) == 0x090);
static_assert(offsetof(VmcbControl, event_injection) == 0x0A8);
static_assert(offsetof(VmcbControl, nested_cr3) == 0x0B0);
static_assert(offsetof(VmcbControl, clean_bits) == 0x0C0);
static_assert(offsetof(VmcbControl, next_rip) == 0x0C8);
static_assert(offsetof(VmcbControl, bytes_fetched) == 0x0D0);

// Offsets below are relative to the state-save area (VMCB offset 0x400).
struct VmcbState {
  VmcbSegment es, cs, ss, ds, fs, gs;  // 0x000 .. 0x05F
  VmcbSegment gdtr;                    // 0x060, limit and base only
  VmcbSegment ldtr;                    // 0x070
  VmcbSegment idtr;                    // 0x080, limit and base only
  VmcbSegment tr;                      // 0x090
  uint8_t reserved0[0x0CB - 0x0A0];
  uint8_t cpl;  // 0x0CB
  uint32_t reserved1;
  uint64_t efer;  // 0x0D0
  uint8_t reserved2[0x148 - 0x0D8];
  uint64_t cr4;     // 0x148
  uint64_t cr3;     // 0x150
  uint64_t cr0;     // 0x158
  uint64_t dr7;     // 0x160
  uint64_t dr6;     // 0x168
  uint64_t rflags;  // 0x170
  uint64_t rip;     // 0x178
  uint8_t reserved3[0x1D8 - 0x180];
  uint64_t rsp;  // 0x1D8
  uint8_t reserved4[0x1F8 - 0x1E0];
  uint64_t rax;             // 0x1F8
  uint64_t star;            // 0x200
  uint64_t lstar;           // 0x208
  uint64_t cstar;           // 0x210
  uint64_t sfmask;          // 0x218
  uint64_t kernel_gs_base;  // 0x220
  uint64_t sysenter_cs;     // 0x228
  uint64_t sysenter_esp;    // 0x230
  uint64_t sysenter_eip;    // 0x238
  uint64_t cr2;             // 0x240
  uint8_t reserved5[0x268 - 0x248];
  uint64_t g_pat;                         // 0x268, guest PAT (used with nested paging)
  uint64_t debug_control;                 // 0x270
  uint64_t branch_from, branch_to;        // 0x278, 0x280
  uint64_t exception_from, exception_to;  // 0x288, 0x290
  uint8_t reserved6[0xC00 - 0x298];
};
static_assert(sizeof(VmcbState) == 0xC00);
static_assert(offsetof(VmcbState, cs) == 0x010);
static_assert(offsetof(VmcbState, gdtr) == 0x060);
static_assert(offsetof(VmcbState, ldtr) == 0x070);
static_assert(offsetof(VmcbState, idtr) == 0x080);
static_assert(offsetof(VmcbState, tr) == 0x090);
static_assert(offsetof(VmcbState, cpl) == 0x0CB);
static_assert(offsetof(VmcbState, efer) == 0x0D0);
static_assert(offsetof(VmcbState, cr4) == 0x148);
static_assert(offsetof(VmcbState, cr0) == 0x158);
static_assert(offsetof(VmcbState, rflags) == 0x170);
static_assert(offsetof(VmcbState, rip) == 0x178);
static_assert(offsetof(VmcbState, rsp) == 0x1D8);
static_assert(offsetof(VmcbState, rax) == 0x1F8);
static_assert(offsetof(VmcbState, star) == 0x200);
static_assert(offsetof(VmcbState, kernel_gs_base) == 0x220);
static_assert(offsetof(VmcbState, sysenter_eip) == 0x238);
static_assert(offsetof(VmcbState, cr2) == 0x240);
static_assert(offsetof(VmcbState, g_pat) == 0x268);

struct alignas(4096) Vmcb {
  VmcbControl control;
  VmcbState state;
};
static_assert(sizeof(Vmcb) == 4096);
static_assert(offsetof(Vmcb, state) == 0x400);

}  // namespace godwit::x86::svm
