// VcpuState through the VMCS (on a fake that truncates to field widths) and across
// vendors: saved from a VMCB and loaded into VMCS fields and back, and the other way,
// every field that crosses compared (docs/decisions/0011-guest-cpu-model.md).
#include "arch/x86/vmx/state_transfer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "arch/x86/svm/state_transfer.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "tests/unit/arch/x86/vmx/fake_vmcs.h"

namespace godwit::x86::vmx {
namespace {

using testing::FakeVmcs;

const GuestFixedBits kFixed{{0x8000'0021, 0xFFFF'FFFF}, {0x2000, 0x3F'77FF}, 40};
const svm::GuestLimits kSvmLimits{0x3F'FFFF, svm::kEferSce | svm::kEferLme | svm::kEferLma | svm::kEferNxe,
                                  40};

// A state with every field set to a value of its own (and one both backends accept),
// so a field that is dropped, swapped or cut on the way shows in the comparison.
VcpuState distinct_state() {
  VcpuState s;
  for (unsigned i = 0; i < 16; ++i) s.regs.gpr[i] = 0x0101'0101'0101'0101ull * (i + 1);
  s.regs.rip = 0xFFFF'8000'0010'0123;
  s.regs.rflags = 0x246;
  s.cr0 = 0x8005'0033;
  s.cr2 = 0xFFFF'8000'DEAD'B000;
  s.cr3 = 0x12'3018;  // PWT and PCD too
  s.cr4 = 0x6A0;      // PAE PGE OSFXSR OSXMMEXCPT
  s.dr7 = 0x403;
  s.efer = 0xD01;  // SCE LME LMA NXE
  s.pat = 0x0007'0105'0006'0406ull;
  s.sysenter_cs = 0x10;
  s.sysenter_esp = 0xFFFF'8000'0000'1000;
  s.sysenter_eip = 0xFFFF'8000'0000'2000;
  s.star = 0x0023'0010'0000'0000;
  s.lstar = 0xFFFF'8000'0000'3000;
  s.cstar = 0xFFFF'8000'0000'4000;
  s.sfmask = 0x4700;
  s.kernel_gs_base = 0xFFFF'8000'0000'5000;
  s.cs = {0x08, 0, 0xA09B, 0xFFFF'FFFF, 0, 0};
  s.ss = {0x10, 0, 0xC093, 0xFFFF'FFFF, 0, 0};
  s.ds = {0x10, 0, 0xC093, 0xF'FFFF, 0, 0x1000};
  s.es = {0x2B, 0, 0xC0F3, 0xFFFF'FFFF, 0, 0x2000};
  s.fs = {0, 0, 0x1'0000, 0, 0, 0xFFFF'8000'0000'6000};  // null selector, base from WRFSBASE
  s.gs = {0x10, 0, 0xC093, 0xFFFF'FFFF, 0, 0x0000'7FFF'0000'7000};
  s.ldtr = {0x30, 0, 0x82, 0xFFF, 0, 0xFFFF'8000'0000'8000};
  s.tr = {0x18, 0, 0x8B, 0x67, 0, 0xFFFF'8000'0000'9000};
  s.gdtr = {0xFFFF'8000'0000'A000, 0x3F, 0};
  s.idtr = {0xFFFF'8000'0000'B000, 0xFFF, 0};
  s.pending_event = (1u << 31) | (1u << 11) | (3u << 8) | 14;  // #PF
  s.pending_error_code = 0x6;
  s.activity = 0;
  return s;
}

// The VMCS as write_controls() leaves it: the guest/host masks.
FakeVmcs vmcs_with_controls() {
  FakeVmcs vmcs;
  vmcs.write(VmcsField::kCr0GuestHostMask, cr0_guest_host_mask(kFixed));
  vmcs.write(VmcsField::kCr4GuestHostMask, cr4_guest_host_mask(kFixed));
  return vmcs;
}

VcpuState through_vmcs(const VcpuState& in, bool pat_in_vmcs = true) {
  FakeVmcs vmcs = vmcs_with_controls();
  VmxSoftState soft;
  VmcsStateLayout layout{kFixed, pat_in_vmcs};
  EXPECT_EQ(write_vmcs_state(in, layout, vmcs, soft), 0u);
  VcpuState out;
  read_vmcs_state(vmcs, layout, soft, out);
  out.guest_time_ns = in.guest_time_ns;  // the VM layer's, not the backend's
  return out;
}

// As SvmVcpu::load() then save(): the GPRs that are not in the VMCB and the activity
// state stay in the vCPU object.
VcpuState through_vmcb(const VcpuState& in) {
  svm::Vmcb vmcb{};
  svm::write_vmcb_state(in, vmcb);
  VcpuState out;
  out.regs = in.regs;
  svm::read_vmcb_state(vmcb, out);
  out.activity = in.activity;
  out.guest_time_ns = in.guest_time_ns;
  return out;
}

bool same(const VcpuState& a, const VcpuState& b) { return std::memcmp(&a, &b, sizeof(VcpuState)) == 0; }

TEST(VmcsState, TheDistinctStateIsOneBothBackendsLoad) {
  EXPECT_EQ(guest_state_problem(distinct_state(), kFixed), "");
  EXPECT_EQ(svm::state_rejection(distinct_state(), kSvmLimits), "");
}

TEST(VmcsState, RoundTripsEveryField) {
  VcpuState in = distinct_state();
  EXPECT_TRUE(same(through_vmcs(in), in));
  EXPECT_TRUE(same(through_vmcs(in, false), in));  // PAT kept by the vCPU instead
}

TEST(VmcsState, HostOwnedBitsAreSetInTheVmcsAndHiddenByTheShadows) {
  FakeVmcs vmcs = vmcs_with_controls();
  VmxSoftState soft;
  VcpuState in = distinct_state();
  in.cr0 |= kCr0Cd;  // the guest asked for no caching
  ASSERT_EQ(write_vmcs_state(in, {kFixed, true}, vmcs, soft), 0u);
  EXPECT_EQ(vmcs.read(VmcsField::kGuestCr4) & kCr4Vmxe, kCr4Vmxe);
  EXPECT_EQ(vmcs.read(VmcsField::kCr4ReadShadow), in.cr4);
  vmcs.write(VmcsField::kGuestCr0, in.cr0 & ~kCr0Cd);  // the CPU runs with the host's caching
  VcpuState out;
  read_vmcs_state(vmcs, {kFixed, true}, soft, out);
  EXPECT_EQ(out.cr0, in.cr0);
  EXPECT_EQ(out.cr4, in.cr4);
}

TEST(VmcsState, TheRegistersVmxDoesNotSwitchStayWithTheVcpu) {
  FakeVmcs vmcs = vmcs_with_controls();
  VmxSoftState soft;
  VcpuState in = distinct_state();
  ASSERT_EQ(write_vmcs_state(in, {kFixed, false}, vmcs, soft), 0u);
  EXPECT_EQ(soft.lstar, in.lstar);
  EXPECT_EQ(soft.cstar, in.cstar);
  EXPECT_EQ(soft.sfmask, in.sfmask);
  EXPECT_EQ(soft.kernel_gs_base, in.kernel_gs_base);
  EXPECT_EQ(soft.cr2, in.cr2);
  EXPECT_EQ(soft.pat, in.pat);
  EXPECT_FALSE(vmcs.has(VmcsField::kGuestPat));
  // RIP is the vCPU's: an exit handler that skipped an instruction moved only its copy.
  soft.regs.rip += 3;
  VcpuState out;
  read_vmcs_state(vmcs, {kFixed, false}, soft, out);
  EXPECT_EQ(out.regs.rip, in.regs.rip + 3);
}

TEST(VmcsState, UndefinedReservedRightsOfAnUnusableSegmentReadAsZero) {
  FakeVmcs vmcs = vmcs_with_controls();
  VmxSoftState soft;
  ASSERT_EQ(write_vmcs_state(distinct_state(), {kFixed, true}, vmcs, soft), 0u);
  vmcs.write(segment_field(VmcsField::kGuestEsAccessRights, GuestSegment::kFs), 0xFFFE'0F00u | 0x1'0000);
  VcpuState out;
  read_vmcs_state(vmcs, {kFixed, true}, soft, out);
  EXPECT_EQ(out.fs.attributes, 0x1'0000u);
  EXPECT_EQ(guest_state_problem(out, kFixed), "");
}

TEST(VmcsState, NoEventReadsAsZeroWithoutAStaleErrorCode) {
  FakeVmcs vmcs = vmcs_with_controls();
  VmxSoftState soft;
  ASSERT_EQ(write_vmcs_state(distinct_state(), {kFixed, true}, vmcs, soft), 0u);
  vmcs.write(VmcsField::kEntryInterruptionInfo, 0x0000'0B0E);  // valid bit cleared by an entry
  VcpuState out;
  read_vmcs_state(vmcs, {kFixed, true}, soft, out);
  EXPECT_EQ(out.pending_event, 0u);
  EXPECT_EQ(out.pending_error_code, 0u);
}

TEST(VmcsState, AFailedVmwriteNamesItsField) {
  class RefusingVmcs final : public VmcsAccess {
   public:
    uint64_t read(VmcsField) override { return 0; }
    bool write(VmcsField field, uint64_t) override { return field != VmcsField::kGuestEfer; }
  } vmcs;
  VmxSoftState soft;
  EXPECT_EQ(write_vmcs_state(distinct_state(), {kFixed, true}, vmcs, soft),
            static_cast<uint32_t>(VmcsField::kGuestEfer));
}

// --- Across vendors -------------------------------------------------------------------

TEST(CrossVendor, AmdVToVtxAndBackIsIdentical) {
  VcpuState on_amd = through_vmcb(distinct_state());  // as the AMD-V source saves it
  ASSERT_TRUE(same(on_amd, distinct_state()));
  ASSERT_EQ(guest_state_problem(on_amd, kFixed), "");
  VcpuState on_intel = through_vmcs(on_amd);
  EXPECT_TRUE(same(on_intel, on_amd));
  ASSERT_EQ(svm::state_rejection(on_intel, kSvmLimits), "");
  EXPECT_TRUE(same(through_vmcb(on_intel), on_amd));
}

TEST(CrossVendor, VtxToAmdVAndBackIsIdentical) {
  VcpuState on_intel = through_vmcs(distinct_state());  // as the VT-x source saves it
  ASSERT_TRUE(same(on_intel, distinct_state()));
  ASSERT_EQ(svm::state_rejection(on_intel, kSvmLimits), "");
  VcpuState on_amd = through_vmcb(on_intel);
  EXPECT_TRUE(same(on_amd, on_intel));
  ASSERT_EQ(guest_state_problem(on_amd, kFixed), "");
  EXPECT_TRUE(same(through_vmcs(on_amd), on_intel));
}

// Each field changed on its own, so a field that one layout drops cannot hide behind a
// value that happens to equal the default.
struct FieldChange {
  const char* name;
  void (*change)(VcpuState&);
};

class CrossVendorField : public ::testing::TestWithParam<FieldChange> {};

TEST_P(CrossVendorField, SurvivesBothDirections) {
  VcpuState in = distinct_state();
  GetParam().change(in);
  ASSERT_EQ(guest_state_problem(in, kFixed), "");
  ASSERT_EQ(svm::state_rejection(in, kSvmLimits), "");
  EXPECT_TRUE(same(through_vmcs(through_vmcb(in)), in)) << "AMD-V -> VT-x";
  EXPECT_TRUE(same(through_vmcb(through_vmcs(in)), in)) << "VT-x -> AMD-V";
  EXPECT_TRUE(same(through_vmcb(through_vmcs(through_vmcb(in))), in)) << "AMD-V -> VT-x -> AMD-V";
}

INSTANTIATE_TEST_SUITE_P(
    EveryField, CrossVendorField,
    ::testing::Values(
        FieldChange{"Rax", [](VcpuState& s) { s.regs.gpr[kRax] = 0xAAAA; }},
        FieldChange{"Rsp", [](VcpuState& s) { s.regs.gpr[kRsp] = 0x7'FFF0; }},
        FieldChange{"R15", [](VcpuState& s) { s.regs.gpr[kR15] = ~uint64_t{0}; }},
        FieldChange{"Rip", [](VcpuState& s) { s.regs.rip = 0x20'0000; }},
        FieldChange{"Rflags", [](VcpuState& s) { s.regs.rflags = 0x2 | (1u << 21) | (1u << 11) | 0xC5; }},
        FieldChange{"Cr0", [](VcpuState& s) { s.cr0 = 0xE005'0033; }},  // with CD and NW
        FieldChange{"Cr2", [](VcpuState& s) { s.cr2 = 0x1234'5000; }},
        FieldChange{"Cr3", [](VcpuState& s) { s.cr3 = 0xFF'FFFF'F000; }},
        FieldChange{"Cr4", [](VcpuState& s) { s.cr4 = 0x20 | (1u << 16) | (1u << 10); }},
        FieldChange{"Dr7", [](VcpuState& s) { s.dr7 = 0xFFFF'0700; }},
        FieldChange{"Efer", [](VcpuState& s) { s.efer = 0x500; }},
        FieldChange{"Pat", [](VcpuState& s) { s.pat = 0x0706'0504'0100'0706ull; }},
        FieldChange{"SysenterCs", [](VcpuState& s) { s.sysenter_cs = 0xFFFF'FFFF; }},
        FieldChange{"SysenterEsp", [](VcpuState& s) { s.sysenter_esp = 0x7FFF'FFFF'FFF0; }},
        FieldChange{"SysenterEip", [](VcpuState& s) { s.sysenter_eip = 0xFFFF'FFFF'FFFF'FFF0; }},
        FieldChange{"Star", [](VcpuState& s) { s.star = ~uint64_t{0}; }},
        FieldChange{"Lstar", [](VcpuState& s) { s.lstar = 0x7FFF'FFFF'FFFF; }},
        FieldChange{"Cstar", [](VcpuState& s) { s.cstar = 0xFFFF'8000'0000'0000; }},
        FieldChange{"Sfmask", [](VcpuState& s) { s.sfmask = 0xFFFF'FFFF; }},
        FieldChange{"KernelGsBase", [](VcpuState& s) { s.kernel_gs_base = 0x1000; }},
        FieldChange{"CsSelectorAndRights", [](VcpuState& s) { s.cs = {0x38, 0, 0xA09F, 0xF'FFFF, 0, 0}; }},
        FieldChange{"SsCompatibilityData", [](VcpuState& s) { s.ss = {0x40, 0, 0x4093, 0xFFFF, 0, 0x1'0000}; }},
        FieldChange{"DsAvlBit", [](VcpuState& s) { s.ds.attributes |= 1u << 12; }},
        FieldChange{"EsUnusable", [](VcpuState& s) { s.es = {0, 0, 0x1'0000, 0, 0, 0}; }},
        FieldChange{"FsUsable", [](VcpuState& s) { s.fs = {0x10, 0, 0xC093, 0xFFFF'FFFF, 0, 0x7FFF'0000'0000}; }},
        FieldChange{"GsBaseHigh", [](VcpuState& s) { s.gs.base = 0xFFFF'FFFF'FFFF'F000; }},
        FieldChange{"LdtrUnusable", [](VcpuState& s) { s.ldtr = {0, 0, 0x1'0000, 0, 0, 0}; }},
        FieldChange{"TrLimitAndBase", [](VcpuState& s) { s.tr = {0x28, 0, 0x8B, 0x2067, 0, 0x3000}; }},
        FieldChange{"Gdtr", [](VcpuState& s) { s.gdtr = {0x2000, 0xFFFF, 0}; }},
        FieldChange{"Idtr", [](VcpuState& s) { s.idtr = {0, 0, 0}; }},
        FieldChange{"Halted", [](VcpuState& s) { s.activity = 1; }},
        FieldChange{"NoEvent", [](VcpuState& s) { s.pending_event = 0, s.pending_error_code = 0; }},
        FieldChange{"Nmi", [](VcpuState& s) { s.pending_event = (1u << 31) | (2u << 8) | 2, s.pending_error_code = 0; }},
        FieldChange{"ExternalInterrupt", [](VcpuState& s) { s.pending_event = (1u << 31) | 0xEF, s.pending_error_code = 0; }},
        FieldChange{"GeneralProtection", [](VcpuState& s) { s.pending_event = (1u << 31) | (1u << 11) | (3u << 8) | 13, s.pending_error_code = 0xFFFF; }},
        FieldChange{"Ring3", [](VcpuState& s) {
          s.cs = {0x33, 0, 0xA0FB, 0xFFFF'FFFF, 0, 0};
          s.ss = {0x2B, 0, 0xC0F3, 0xFFFF'FFFF, 0, 0};
        }}),
    [](const ::testing::TestParamInfo<FieldChange>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace godwit::x86::vmx
