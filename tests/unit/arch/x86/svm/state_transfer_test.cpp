#include "arch/x86/svm/state_transfer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <ostream>

#include "arch/x86/svm/segment_attributes.h"

namespace godwit::x86::svm {
namespace {

constexpr uint32_t kCode64 = 0xB | (1u << 4) | (1u << 7) | (1u << 13) | (1u << 15);
constexpr uint32_t kData = 0x3 | (1u << 4) | (1u << 7) | (1u << 14) | (1u << 15);
constexpr uint32_t kBusyTss = 0xB | (1u << 7);
constexpr GuestLimits kLimits{0x3F'FFFF, kEferSce | kEferLme | kEferLma | kEferNxe};

VcpuState long_mode_state() {
  VcpuState s;
  s.regs.rip = 0x10'0000;
  s.regs.rflags = 0x202;
  for (unsigned i = 0; i < 16; ++i) s.regs.gpr[i] = 0x1000 + i;
  s.cr0 = kCr0Pe | kCr0Pg | (1u << 5) | (1u << 16);
  s.cr3 = 0x5000;
  s.cr4 = kCr4Pae;
  s.efer = kEferLme | kEferLma | kEferNxe;
  s.cs = {0x8, 0, kCode64, 0xFFFF'FFFF, 0, 0};
  s.ss = {0x10, 0, kData, 0xFFFF'FFFF, 0, 0};
  s.ds = s.es = s.ss;
  s.fs = {0, 0, kVmxUnusable, 0, 0, 0x7000};
  s.gs = {0, 0, kVmxUnusable, 0, 0, 0x8000};
  s.ldtr = {0, 0, kVmxUnusable, 0, 0, 0};
  s.tr = {0x18, 0, kBusyTss, 0x67, 0, 0x9000};
  s.gdtr = {0x3000, 0x1F, 0};
  s.idtr = {0x4000, 0xFFF, 0};
  s.star = 1, s.lstar = 2, s.cstar = 3, s.sfmask = 4, s.kernel_gs_base = 5;
  s.sysenter_cs = 6, s.sysenter_esp = 7, s.sysenter_eip = 8;
  s.cr2 = 0xDEAD'0000;
  s.pat = 0x0007'0406'0007'0406ull;
  return s;
}

TEST(VmcbState, ALongModeStateIsAccepted) { EXPECT_EQ(state_rejection(long_mode_state(), kLimits), ""); }

TEST(VmcbState, WriteSetsSvmeCplAndTheVmcbFields) {
  Vmcb vmcb{};
  VcpuState s = long_mode_state();
  write_vmcb_state(s, vmcb);
  EXPECT_EQ(vmcb.state.efer, s.efer | kEferSvme);
  EXPECT_EQ(vmcb.state.cpl, 0);
  EXPECT_EQ(vmcb.state.rax, s.regs.gpr[kRax]);
  EXPECT_EQ(vmcb.state.rsp, s.regs.gpr[kRsp]);
  EXPECT_EQ(vmcb.state.rip, s.regs.rip);
  EXPECT_EQ(vmcb.state.cs.attributes, to_vmcb_attributes(kCode64));
  EXPECT_EQ(vmcb.state.fs.attributes & kSvmPresent, 0);
  EXPECT_EQ(vmcb.state.fs.base, 0x7000u);
  EXPECT_EQ(vmcb.state.gdtr.base, 0x3000u);
  EXPECT_EQ(vmcb.state.idtr.limit, 0xFFFu);
  EXPECT_EQ(vmcb.state.g_pat, s.pat);
  EXPECT_EQ(vmcb.state.kernel_gs_base, 5u);
  EXPECT_EQ(vmcb.control.event_injection, 0u);
}

TEST(VmcbState, ReadHidesSvmeAndRoundTrips) {
  Vmcb vmcb{};
  VcpuState in = long_mode_state();
  write_vmcb_state(in, vmcb);
  VcpuState out;
  out.regs = in.regs;  // the GPRs outside the VMCB come from the vCPU
  read_vmcb_state(vmcb, out);
  EXPECT_EQ(out.efer, in.efer);
  EXPECT_EQ(std::memcmp(&out, &in, sizeof(VcpuState)), 0);
}

TEST(VmcbState, CplFollowsSsDplBothWays) {
  Vmcb vmcb{};
  VcpuState s = long_mode_state();
  s.ss.attributes |= 3u << 5;
  write_vmcb_state(s, vmcb);
  EXPECT_EQ(vmcb.state.cpl, 3);
  vmcb.state.cpl = 0;  // the guest returned to ring 0
  VcpuState out;
  read_vmcb_state(vmcb, out);
  EXPECT_EQ((out.ss.attributes >> 5) & 3, 0u);
}

TEST(VmcbState, RealModeHasCplZero) {
  Vmcb vmcb{};
  VcpuState s;
  s.ss.attributes = 0x93 | (3u << 5);
  s.cs.attributes = 0x9B;
  ASSERT_EQ(state_rejection(s, kLimits), "");
  write_vmcb_state(s, vmcb);
  EXPECT_EQ(vmcb.state.cpl, 0);
}

struct Rejection {
  const char* name;
  void (*spoil)(VcpuState&);
};

// The case's name, not the struct's bytes, in failure messages.
void PrintTo(const Rejection& rejection, std::ostream* out) { *out << rejection.name; }

class VmcbStateRejects : public ::testing::TestWithParam<Rejection> {};

TEST_P(VmcbStateRejects, BadState) {
  VcpuState s = long_mode_state();
  GetParam().spoil(s);
  EXPECT_NE(state_rejection(s, kLimits), "");
}

INSTANTIATE_TEST_SUITE_P(
    All, VmcbStateRejects,
    ::testing::Values(
        Rejection{"CsLongAndDefaultBig", [](VcpuState& s) { s.cs.attributes |= 1u << 14; }},
        Rejection{"LongModeWithoutPae", [](VcpuState& s) { s.cr4 = 0; }},
        Rejection{"LmaWithoutPaging", [](VcpuState& s) { s.cr0 &= ~kCr0Pg; }},
        Rejection{"PagingWithoutLma", [](VcpuState& s) { s.efer &= ~kEferLma; }},
        Rejection{"PagingWithoutProtection", [](VcpuState& s) { s.cr0 &= ~kCr0Pe; }},
        Rejection{"NwWithoutCd", [](VcpuState& s) { s.cr0 |= kCr0Nw; }},
        Rejection{"Cr0HighBits", [](VcpuState& s) { s.cr0 |= 1ull << 40; }},
        Rejection{"Cr4Unsupported", [](VcpuState& s) { s.cr4 |= 1ull << 23; }},
        Rejection{"EferReserved", [](VcpuState& s) { s.efer |= 1ull << 2; }},
        Rejection{"Cr3Reserved", [](VcpuState& s) { s.cr3 |= 1ull << 60; }},
        Rejection{"Dr7HighBits", [](VcpuState& s) { s.dr7 |= 1ull << 33; }},
        Rejection{"CsUnusable", [](VcpuState& s) { s.cs.attributes |= kVmxUnusable; }},
        Rejection{"RflagsBit1Clear", [](VcpuState& s) { s.regs.rflags = 0x200; }},
        Rejection{"RflagsReserved", [](VcpuState& s) { s.regs.rflags |= 1ull << 40; }},
        Rejection{"ActivityUnknown", [](VcpuState& s) { s.activity = 2; }},
        Rejection{"EventTypeUnknown", [](VcpuState& s) { s.pending_event = (1u << 31) | (7u << 8); }},
        Rejection{"ExceptionVectorHigh", [](VcpuState& s) { s.pending_event = (1u << 31) | (3u << 8) | 40; }},
        Rejection{"NmiWrongVector", [](VcpuState& s) { s.pending_event = (1u << 31) | (2u << 8) | 3; }}),
    [](const ::testing::TestParamInfo<Rejection>& info) { return std::string(info.param.name); });

TEST(VmcbState, SvmeInTheGivenEferIsTolerated) {
  VcpuState s = long_mode_state();
  s.efer |= kEferSvme;
  EXPECT_EQ(state_rejection(s, kLimits), "");
}

TEST(EventInjection, PageFaultWithErrorCode) {
  uint32_t vmx = (1u << 31) | (1u << 11) | (3u << 8) | 14;
  uint64_t svm = to_event_injection(vmx, 0x6);
  EXPECT_EQ(svm, event::kValid | event::kErrorCodeValid | (3ull << 8) | 14 | (6ull << 32));
  uint32_t back = 0, code = 0;
  from_event_injection(svm, back, code);
  EXPECT_EQ(back, vmx);
  EXPECT_EQ(code, 6u);
}

TEST(EventInjection, SoftwareExceptionsBecomeExceptions) {
  EXPECT_EQ(to_event_injection((1u << 31) | (6u << 8) | 3, 0), event::kValid | (3ull << 8) | 3);
  EXPECT_EQ(to_event_injection((1u << 31) | (5u << 8) | 1, 0), event::kValid | (3ull << 8) | 1);
}

TEST(EventInjection, ExternalInterruptAndNone) {
  EXPECT_EQ(to_event_injection((1u << 31) | 0x30, 0), event::kValid | 0x30);
  EXPECT_EQ(to_event_injection(0x30, 0), 0u);
  uint32_t vmx = 1, code = 1;
  from_event_injection(0, vmx, code);
  EXPECT_EQ(vmx, 0u);
  EXPECT_EQ(code, 0u);
}

TEST(EventInjection, AnEventCutShortByAnExitIsDeliveredAgain) {
  // A #PF whose delivery hit a write-protected stack page (an NPF during delivery).
  uint64_t cut_short = event::kValid | event::kErrorCodeValid | (3ull << 8) | 14 | (2ull << 32);
  EXPECT_EQ(event_injection_after_exit(cut_short), cut_short);
  EXPECT_EQ(event_injection_after_exit(0), 0u);
  EXPECT_EQ(event_injection_after_exit(0x30), 0u);  // not valid: nothing to deliver
}

}  // namespace
}  // namespace godwit::x86::svm
