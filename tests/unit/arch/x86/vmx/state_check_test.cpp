#include "arch/x86/vmx/state_check.h"

#include <gtest/gtest.h>

namespace godwit::x86::vmx {
namespace {

// Bochs' corei7_skylake_x: CR0 must have PE, NE, PG; CR4 must have VMXE.
const GuestFixedBits kFixed{{0x8000'0021, 0xFFFF'FFFF}, {0x2000, 0x3F'77FF}};

SegmentState segment(uint16_t selector, uint32_t attributes) {
  SegmentState s;
  s.selector = selector;
  s.attributes = attributes;
  s.limit = 0xFFFF'FFFF;
  return s;
}

// The entry state of include/godwit/abi.h.
VcpuState abi_entry_state() {
  VcpuState s;
  s.cr0 = 0x8005'0033;  // PE MP ET NE WP PG
  s.cr3 = 0x10'0000;
  s.cr4 = 0x620;   // PAE OSFXSR OSXMMEXCPT
  s.efer = 0xD00;  // LME LMA NXE
  s.regs.rip = 0x40'0000;
  s.regs.rflags = 0x2;
  s.cs = segment(0x08, 0xA09B);  // G, L, P, S, code execute/read accessed
  for (SegmentState* d : {&s.ss, &s.ds, &s.es, &s.fs, &s.gs}) *d = segment(0x10, 0xC093);
  s.gdtr = {0x1000, 0x17, 0};
  return s;
}

TEST(GuestStateRules, AcceptsTheAbiEntryState) {
  EXPECT_EQ(guest_state_problem(abi_entry_state(), kFixed), "");
}

TEST(GuestStateRules, AcceptsAGuestOwnedTssAndAnUnusableLdtr) {
  VcpuState s = abi_entry_state();
  s.tr = {0x18, 0, 0x8B, 0x67, 0, 0x2080};
  s.ldtr.attributes = kArUnusable;
  s.gdtr.limit = 0x27;
  EXPECT_EQ(guest_state_problem(s, kFixed), "");
  EXPECT_EQ(vmcs_task_register(s.tr).base, 0x2080u);
}

TEST(GuestStateRules, AcceptsUnaccessedSegmentsAndMissingTrAndLdtr) {
  VcpuState s = abi_entry_state();
  s.cs.attributes = 0xA09A;
  s.ds.attributes = 0xC092;
  EXPECT_EQ(guest_state_problem(s, kFixed), "");
}

TEST(GuestStateRules, RejectsControlRegistersVmxCannotRun) {
  VcpuState s = abi_entry_state();
  s.cr0 &= ~uint64_t{0x20};  // NE
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s = abi_entry_state();
  s.cr0 &= ~uint64_t{0x8000'0000};  // paging off: no unrestricted guest
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s = abi_entry_state();
  s.cr4 |= 1u << 23;  // beyond CR4 FIXED1
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s = abi_entry_state();
  s.cr4 &= ~uint64_t{0x20};  // PAE
  EXPECT_NE(guest_state_problem(s, kFixed), "");
}

TEST(GuestStateRules, RejectsEferInconsistentWithIa32eEntry) {
  VcpuState s = abi_entry_state();
  s.efer &= ~uint64_t{0x500};
  EXPECT_EQ(guest_state_problem(s, kFixed), "EFER.LMA/LME are clear (guests enter in IA-32e mode)");
  s = abi_entry_state();
  s.efer &= ~uint64_t{0x400};
  EXPECT_EQ(guest_state_problem(s, kFixed), "EFER.LMA differs from EFER.LME and CR0.PG");
  s.efer = 0xD00 | (1u << 14);
  EXPECT_NE(guest_state_problem(s, kFixed), "");
}

TEST(GuestStateRules, RejectsCodeSegmentWithLAndD) {
  VcpuState s = abi_entry_state();
  s.cs.attributes |= kArDefaultBig;
  EXPECT_EQ(guest_state_problem(s, kFixed), "CS has both L and D set");
}

TEST(GuestStateRules, RejectsBadSegments) {
  VcpuState s = abi_entry_state();
  s.cs.attributes = 0xC093;  // a data segment in CS
  EXPECT_EQ(guest_state_problem(s, kFixed), "CS is not a code segment");
  s = abi_entry_state();
  s.ss.attributes = 0xC0F3;  // DPL 3 stack under a DPL 0 CS
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s = abi_entry_state();
  s.ds.attributes &= ~kArGranularity;  // 4 GiB limit with byte granularity
  EXPECT_EQ(guest_state_problem(s, kFixed), "a segment limit disagrees with its granularity bit");
  s = abi_entry_state();
  s.fs.base = 0x8000'0000'0000ull;
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s = abi_entry_state();
  s.tr = segment(0x18, 0x83);  // present, type 3: a 16-bit TSS
  s.tr.limit = 0x67;
  EXPECT_EQ(guest_state_problem(s, kFixed), "TR is not a 64-bit TSS in the GDT");
}

TEST(GuestStateRules, RejectsBadRegisters) {
  VcpuState s = abi_entry_state();
  s.regs.rflags |= 1u << 3;
  EXPECT_EQ(guest_state_problem(s, kFixed), "RFLAGS sets a reserved bit");
  s = abi_entry_state();
  s.regs.rip = 0x0000'8000'0000'0000ull;
  EXPECT_EQ(guest_state_problem(s, kFixed), "RIP is not canonical");
  s = abi_entry_state();
  s.pat = 0x0007040600070402ull;  // type 2 is reserved
  EXPECT_EQ(guest_state_problem(s, kFixed), "PAT holds an invalid memory type");
  s = abi_entry_state();
  s.activity = 3;
  EXPECT_NE(guest_state_problem(s, kFixed), "");
}

TEST(GuestStateRules, ChecksPendingEvents) {
  VcpuState s = abi_entry_state();
  s.pending_event = 0x8000'0020;  // external interrupt, vector 32
  EXPECT_EQ(guest_state_problem(s, kFixed), "");
  s.pending_event = 0x8000'0B0E;  // #PF with its error code
  EXPECT_EQ(guest_state_problem(s, kFixed), "");
  s.pending_event = 0x8000'030E;  // #PF without one
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s.pending_event = 0x8000'0B03;  // #BP does not push one
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s.pending_event = 0x8000'0403;  // software interrupt: not carried
  EXPECT_NE(guest_state_problem(s, kFixed), "");
  s.pending_event = 0x0000'0020;  // not valid but not zero
  EXPECT_NE(guest_state_problem(s, kFixed), "");
}

TEST(VmcsSegment, MarksNeverLoadedSegmentsUnusableAndSetsAccessed) {
  EXPECT_EQ(vmcs_segment(SegmentState{}).attributes, kArUnusable);
  EXPECT_EQ(vmcs_segment(segment(0x10, 0xC092)).attributes, 0xC093u);
}

TEST(VmcsTaskRegister, AlwaysABusy64BitTss) {
  SegmentState none = vmcs_task_register(SegmentState{});
  EXPECT_EQ(none.attributes, kArPresent | kTypeBusyTss64);
  EXPECT_EQ(none.limit, 0x67u);
  SegmentState available = vmcs_task_register(segment(0x28, 0x89));
  EXPECT_EQ(available.attributes, 0x8Bu);
  EXPECT_EQ(available.selector, 0x28);
}

}  // namespace
}  // namespace godwit::x86::vmx
