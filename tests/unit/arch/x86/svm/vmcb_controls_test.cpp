#include "arch/x86/svm/vmcb_controls.h"

#include <gtest/gtest.h>

namespace godwit::x86::svm {
namespace {

VmcbControl fresh_controls() {
  VmcbControl control{};
  set_up_controls({5, 0x10'0000, 0x20'0000, 0x30'0000}, control);
  return control;
}

TEST(VmcbControls, VmrunIsInterceptedOrVmrunFails) {
  EXPECT_NE(fresh_controls().intercept_misc4 & intercept4::kVmrun, 0u);
}

TEST(VmcbControls, EverySvmInstructionExits) {
  uint32_t misc4 = fresh_controls().intercept_misc4;
  for (uint32_t bit : {intercept4::kVmmcall, intercept4::kVmload, intercept4::kVmsave, intercept4::kStgi,
                       intercept4::kClgi, intercept4::kSkinit, intercept4::kXsetbv}) {
    EXPECT_NE(misc4 & bit, 0u) << bit;
  }
  EXPECT_NE(fresh_controls().intercept_misc3 & intercept3::kInvlpga, 0u);
}

TEST(VmcbControls, HostInterruptsAndGuestEventsExit) {
  uint32_t misc3 = fresh_controls().intercept_misc3;
  for (uint32_t bit : {intercept3::kIntr, intercept3::kNmi, intercept3::kCpuid, intercept3::kHlt,
                       intercept3::kShutdown, intercept3::kInvd}) {
    EXPECT_NE(misc3 & bit, 0u) << bit;
  }
  EXPECT_EQ(fresh_controls().virtual_interrupt & kVIntrMasking, kVIntrMasking);
}

TEST(VmcbControls, EveryPortMsrAndDebugRegisterGoesThroughTheMaps) {
  VmcbControl c = fresh_controls();
  EXPECT_NE(c.intercept_misc3 & intercept3::kIoioProt, 0u);
  EXPECT_NE(c.intercept_misc3 & intercept3::kMsrProt, 0u);
  EXPECT_EQ(c.iopm_base_pa, 0x10'0000u);
  EXPECT_EQ(c.msrpm_base_pa, 0x20'0000u);
  EXPECT_EQ(c.intercept_dr_read, 0xFFFF);
  EXPECT_EQ(c.intercept_dr_write, 0xFFFF);
}

TEST(VmcbControls, NestedPagingWithTheGuestsAsidAndNoFlushYet) {
  VmcbControl c = fresh_controls();
  EXPECT_EQ(c.nested_control & kNpEnable, kNpEnable);
  EXPECT_EQ(c.nested_cr3, 0x30'0000u);
  EXPECT_EQ(c.guest_asid, 5u);
  EXPECT_EQ(c.tlb_control, 0);
  EXPECT_EQ(c.event_injection, 0u);
}

}  // namespace
}  // namespace godwit::x86::svm
