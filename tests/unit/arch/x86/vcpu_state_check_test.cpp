// The common rules (arch/x86/vcpu_state_check.h), one test per rule, each checked on
// its own and through both backends' load checks: a state either CPU would fault on,
// or that the host would fault loading, is refused with a sentence, never loaded.
#include "arch/x86/vcpu_state_check.h"

#include <gtest/gtest.h>

#include <string>

#include "arch/x86/svm/state_transfer.h"
#include "arch/x86/vmx/state_check.h"

namespace godwit::x86 {
namespace {

// Bochs' corei7_skylake_x (CR0 needs PE, NE, PG; CR4 needs VMXE) and a QEMU-like AMD-V.
const vmx::GuestFixedBits kVmxFixed{{0x8000'0021, 0xFFFF'FFFF}, {0x2000, 0x3F'77FF}, 40};
const svm::GuestLimits kSvmLimits{0x3F'FFFF, svm::kEferSce | svm::kEferLme | svm::kEferLma | svm::kEferNxe,
                                  40};

SegmentState segment(uint16_t selector, uint32_t attributes, uint64_t base = 0) {
  return {selector, 0, attributes, 0xFFFF'FFFF, 0, base};
}

// The ABI entry state as either backend saves it after the guest ran a while.
VcpuState saved_state() {
  VcpuState s;
  s.cr0 = 0x8005'0033;  // PE MP ET NE WP PG
  s.cr3 = 0x3000;
  s.cr4 = 0x620;   // PAE OSFXSR OSXMMEXCPT
  s.efer = 0xD00;  // LME LMA NXE
  s.regs.rip = 0x10'0000;
  s.regs.rflags = 0x202;
  s.cs = segment(0x08, 0xA09B);
  for (SegmentState* d : {&s.ss, &s.ds, &s.es, &s.fs, &s.gs}) *d = segment(0x10, 0xC093);
  s.ldtr = {0, 0, 0x1'0000, 0, 0, 0};
  s.tr = {0x18, 0, 0x8B, 0x67, 0, 0x2080};
  s.gdtr = {0x2000, 0x27, 0};
  s.lstar = 0xFFFF'8000'0000'1000;
  s.kernel_gs_base = 0xFFFF'8000'0000'2000;
  s.sfmask = 0x4700;
  return s;
}

TEST(CommonStateRules, AcceptsASavedStateOnBothBackends) {
  VcpuState s = saved_state();
  EXPECT_EQ(common_state_problem(s, 40), "");
  EXPECT_EQ(vmx::guest_state_problem(s, kVmxFixed), "");
  EXPECT_EQ(svm::state_rejection(s, kSvmLimits), "");
}

TEST(CommonStateRules, CanonicalMeansBits63To47Equal) {
  EXPECT_TRUE(canonical(0));
  EXPECT_TRUE(canonical(0x0000'7FFF'FFFF'FFFF));
  EXPECT_TRUE(canonical(0xFFFF'8000'0000'0000));
  EXPECT_FALSE(canonical(0x0000'8000'0000'0000));
  EXPECT_FALSE(canonical(0xFFFF'7FFF'FFFF'FFFF));
  EXPECT_FALSE(canonical(0x8000'0000'0000'0000));
}

struct Rule {
  const char* name;
  void (*spoil)(VcpuState&);
  const char* problem;  // what common_state_problem says
};

class CommonStateRule : public ::testing::TestWithParam<Rule> {};

TEST_P(CommonStateRule, IsRefusedWithItsSentenceByBothBackends) {
  VcpuState s = saved_state();
  GetParam().spoil(s);
  EXPECT_EQ(common_state_problem(s, 40), GetParam().problem);
  EXPECT_EQ(vmx::guest_state_problem(s, kVmxFixed), GetParam().problem);
  EXPECT_EQ(svm::state_rejection(s, kSvmLimits), GetParam().problem);
}

constexpr uint64_t kNonCanonical = 0x0000'8000'0000'0000;

INSTANTIATE_TEST_SUITE_P(
    All, CommonStateRule,
    ::testing::Values(
        // Issue 15, item 3: the host WRMSRs these on VT-x and would take #GP.
        Rule{"LstarNonCanonical", [](VcpuState& s) { s.lstar = kNonCanonical; }, "LSTAR is not canonical"},
        Rule{"CstarNonCanonical", [](VcpuState& s) { s.cstar = 0x1234'5678'0000'0000; },
             "CSTAR is not canonical"},
        Rule{"KernelGsBaseNonCanonical", [](VcpuState& s) { s.kernel_gs_base = 0xFFFF'0000'0000'0000; },
             "KERNEL_GS_BASE is not canonical"},
        Rule{"SfmaskHighBits", [](VcpuState& s) { s.sfmask |= 1ull << 32; },
             "SFMASK sets reserved bits 63:32"},
        Rule{"SysenterCsHighBits", [](VcpuState& s) { s.sysenter_cs = 1ull << 40; },
             "SYSENTER_CS sets bits 63:32"},
        Rule{"SysenterEspNonCanonical", [](VcpuState& s) { s.sysenter_esp = kNonCanonical; },
             "a SYSENTER address is not canonical"},
        Rule{"SysenterEipNonCanonical", [](VcpuState& s) { s.sysenter_eip = kNonCanonical; },
             "a SYSENTER address is not canonical"},
        Rule{"PatReservedType2", [](VcpuState& s) { s.pat = 0x0007'0406'0007'0402ull; },
             "PAT holds an invalid memory type"},
        Rule{"PatTypeAbove7", [](VcpuState& s) { s.pat = 0x0807'0406'0007'0406ull; },
             "PAT holds an invalid memory type"},
        Rule{"Cr0HighBits", [](VcpuState& s) { s.cr0 |= 1ull << 32; }, "CR0 sets reserved bits 63:32"},
        Rule{"Cr0NwWithoutCd", [](VcpuState& s) { s.cr0 |= 1u << 29; }, "CR0.NW is set without CR0.CD"},
        Rule{"Cr0PgWithoutPe", [](VcpuState& s) { s.cr0 &= ~uint64_t{1}; }, "CR0.PG is set without CR0.PE"},
        Rule{"Cr4HighBits", [](VcpuState& s) { s.cr4 |= 1ull << 33; }, "CR4 sets reserved bits 63:32"},
        Rule{"LmaWithoutLme", [](VcpuState& s) { s.efer &= ~uint64_t{0x100}; },
             "EFER.LMA differs from EFER.LME and CR0.PG"},
        Rule{"Cr3AbovePhysicalWidth", [](VcpuState& s) { s.cr3 |= 1ull << 40; },
             "CR3 sets bits above the physical-address width"},
        Rule{"Dr7HighBits", [](VcpuState& s) { s.dr7 |= 1ull << 32; }, "DR7 sets bits 63:32"},
        Rule{"RflagsReservedBit3", [](VcpuState& s) { s.regs.rflags |= 1u << 3; },
             "RFLAGS sets a reserved bit"},
        Rule{"RflagsReservedHigh", [](VcpuState& s) { s.regs.rflags |= 1ull << 22; },
             "RFLAGS sets a reserved bit"},
        Rule{"RflagsBit1Clear", [](VcpuState& s) { s.regs.rflags = 0x200; }, "RFLAGS bit 1 is clear"},
        Rule{"RflagsVmInLongMode", [](VcpuState& s) { s.regs.rflags |= 1u << 17; },
             "RFLAGS.VM is set in long mode"},
        Rule{"RipNonCanonical", [](VcpuState& s) { s.regs.rip = kNonCanonical; }, "RIP is not canonical"},
        Rule{"GdtrLimitWide", [](VcpuState& s) { s.gdtr.limit = 0x1'0000; },
             "a GDTR or IDTR limit exceeds 16 bits"},
        Rule{"IdtrBaseNonCanonical", [](VcpuState& s) { s.idtr.base = kNonCanonical; },
             "a GDTR or IDTR base is not canonical"},
        Rule{"CsBaseHighBits", [](VcpuState& s) { s.cs.base = 1ull << 32; },
             "a CS, SS, DS or ES base sets bits 63:32"},
        Rule{"DsBaseHighBits", [](VcpuState& s) { s.ds.base = 1ull << 40; },
             "a CS, SS, DS or ES base sets bits 63:32"},
        Rule{"FsBaseNonCanonical", [](VcpuState& s) { s.fs.base = kNonCanonical; },
             "an FS, GS, LDTR or TR base is not canonical"},
        Rule{"GsBaseNonCanonical", [](VcpuState& s) { s.gs.base = kNonCanonical; },
             "an FS, GS, LDTR or TR base is not canonical"},
        Rule{"TrBaseNonCanonical", [](VcpuState& s) { s.tr.base = kNonCanonical; },
             "an FS, GS, LDTR or TR base is not canonical"},
        Rule{"LdtrBaseNonCanonical", [](VcpuState& s) { s.ldtr.base = kNonCanonical; },
             "an FS, GS, LDTR or TR base is not canonical"},
        Rule{"SegmentReservedRights", [](VcpuState& s) { s.ds.attributes |= 1u << 9; },
             "a segment sets reserved access-rights bits"},
        Rule{"UnusableSegmentReservedRights", [](VcpuState& s) { s.ldtr.attributes |= 1u << 20; },
             "a segment sets reserved access-rights bits"},
        Rule{"SegmentReservedField", [](VcpuState& s) { s.gs.reserved2 = 1; },
             "a reserved field of a segment is not zero"},
        Rule{"StateReservedField", [](VcpuState& s) { s.reserved = 1; }, "a reserved field is not zero"},
        Rule{"TableReservedField", [](VcpuState& s) { s.idtr.reserved = 1; }, "a reserved field is not zero"},
        // Issue 17: FXRSTOR of a reserved MXCSR bit would #GP in the host; XCR0 names what is carried.
        Rule{"MxcsrReservedBit", [](VcpuState& s) { s.fpu.fxsave.mxcsr |= 1u << 16; },
             "MXCSR sets a bit this CPU reserves"},
        Rule{"Xcr0WithAvx", [](VcpuState& s) { s.fpu.xcr0 |= 1u << 2; },
             "XCR0 is not x87|SSE, the state components Godwit carries"},
        Rule{"Xcr0WithoutSse", [](VcpuState& s) { s.fpu.xcr0 = kXcr0X87; },
             "XCR0 is not x87|SSE, the state components Godwit carries"},
        Rule{"FpuReservedField", [](VcpuState& s) { s.fpu.reserved = 1; },
             "a reserved FPU field is not zero"},
        Rule{"ActivityUnknown", [](VcpuState& s) { s.activity = 2; },
             "the activity state is neither active nor halted"},
        Rule{"EventWithoutValidBit", [](VcpuState& s) { s.pending_event = 0x30; },
             "a pending event lacks its valid bit"},
        Rule{"ErrorCodeWithoutEvent", [](VcpuState& s) { s.pending_error_code = 4; },
             "a pending event lacks its valid bit"},
        Rule{"EventReservedBits", [](VcpuState& s) { s.pending_event = (1u << 31) | (1u << 12) | 0x30; },
             "a pending event sets reserved bits"},
        Rule{"EventReservedType", [](VcpuState& s) { s.pending_event = (1u << 31) | (7u << 8) | 3; },
             "a pending event has a reserved type"},
        Rule{"NmiWrongVector", [](VcpuState& s) { s.pending_event = (1u << 31) | (2u << 8) | 3; },
             "a pending NMI does not use vector 2"},
        Rule{"ExceptionVectorHigh", [](VcpuState& s) { s.pending_event = (1u << 31) | (3u << 8) | 40; },
             "a pending exception uses a vector above 31"},
        Rule{"PageFaultWithoutErrorCode", [](VcpuState& s) { s.pending_event = (1u << 31) | (3u << 8) | 14; },
             "a pending event's error-code bit is wrong for its vector"},
        Rule{"InterruptWithErrorCodeBit",
             [](VcpuState& s) { s.pending_event = (1u << 31) | (1u << 11) | 0x30; },
             "a pending event's error-code bit is wrong for its vector"},
        Rule{"StaleErrorCode",
             [](VcpuState& s) {
               s.pending_event = (1u << 31) | 0x30;
               s.pending_error_code = 7;
             },
             "a pending event without an error code carries one"}),
    [](const ::testing::TestParamInfo<Rule>& info) { return std::string(info.param.name); });

TEST(CommonStateRules, TheResetFpuStateAndAnyDefinedMxcsrPass) {
  FpuState fpu;
  EXPECT_EQ(fpu.fxsave.fcw, 0x037F);
  EXPECT_EQ(fpu.fxsave.mxcsr, 0x1F80u);
  EXPECT_EQ(fpu_state_problem(fpu, 0xFFBF), "");
  fpu.fxsave.mxcsr = 0xFFFF;  // every exception flag, mask, rounding mode, FZ and DAZ
  EXPECT_EQ(fpu_state_problem(fpu, 0xFFFF), "");
  fpu.fxsave.mxcsr_mask = 0x1234;  // the source's mask: FXRSTOR ignores it
  EXPECT_EQ(fpu_state_problem(fpu, 0xFFFF), "");
}

TEST(CommonStateRules, MxcsrIsCheckedAgainstTheLoadingCpusMask) {
  FpuState fpu;
  fpu.fxsave.mxcsr = 0x1F80 | (1u << 6);  // DAZ: reserved where MXCSR_MASK lacks it
  EXPECT_EQ(fpu_state_problem(fpu, 0xFFFF), "");
  EXPECT_EQ(fpu_state_problem(fpu, 0xFFBF), "MXCSR sets a bit this CPU reserves");
}

TEST(CommonStateRules, PhysicalWidthComesFromTheHost) {
  VcpuState s = saved_state();
  s.cr3 = 1ull << 45;
  EXPECT_NE(common_state_problem(s, 40), "");
  EXPECT_EQ(common_state_problem(s, 46), "");
  EXPECT_EQ(common_state_problem(s, 0), "");  // unknown: the architectural 52 bits
  s.cr3 = 1ull << 52;
  EXPECT_NE(common_state_problem(s, 0), "");
}

TEST(CommonStateRules, ValidEventsPass) {
  VcpuState s = saved_state();
  s.pending_event = (1u << 31) | (1u << 11) | (3u << 8) | 14;  // #PF, error code 2
  s.pending_error_code = 2;
  EXPECT_EQ(common_state_problem(s, 40), "");
  s.pending_event = (1u << 31) | (2u << 8) | 2;  // NMI
  s.pending_error_code = 0;
  EXPECT_EQ(common_state_problem(s, 40), "");
  s.pending_event = (1u << 31) | 0x30;  // external interrupt
  EXPECT_EQ(common_state_problem(s, 40), "");
  s.activity = 1;
  EXPECT_EQ(common_state_problem(s, 40), "");
}

}  // namespace
}  // namespace godwit::x86
