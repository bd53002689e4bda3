#include "arch/x86/vmx/vmcs_controls.h"

#include <gtest/gtest.h>

#include "arch/x86/vmx/vmx_controls.h"

namespace godwit::x86::vmx {
namespace {

constexpr uint64_t kAnything = 0xFFFF'FFFF'0000'0000ull;  // every bit may be 0 or 1

ControlCapabilities permissive() { return {kAnything, kAnything, kAnything, kAnything, kAnything}; }

TEST(ChooseControls, SetsEveryControlGodwitReliesOn) {
  ControlChoice choice = choose_controls(permissive());
  ASSERT_TRUE(choice.problem.empty());
  const VmcsControls& c = choice.controls;
  EXPECT_EQ(c.pin, pin::kExternalInterruptExiting | pin::kNmiExiting | pin::kPreemptionTimer);
  EXPECT_TRUE(c.preemption_timer);
  EXPECT_EQ(c.primary,
            proc::kHltExiting | proc::kUseIoBitmaps | proc::kUseMsrBitmaps | proc::kActivateSecondary);
  EXPECT_EQ(c.secondary, proc2::kEnableEpt | proc2::kEnableVpid);
  EXPECT_EQ(c.exit, exit_ctl::kHostAddressSpaceSize | exit_ctl::kSaveEfer | exit_ctl::kLoadEfer |
                        exit_ctl::kSavePat | exit_ctl::kLoadPat);
  EXPECT_EQ(c.entry, entry_ctl::kIa32eModeGuest | entry_ctl::kLoadEfer | entry_ctl::kLoadPat);
  EXPECT_TRUE(c.vpid);
  EXPECT_TRUE(c.pat);
  EXPECT_EQ(c.exit & exit_ctl::kAcknowledgeInterruptOnExit, 0u);
}

TEST(ChooseControls, KeepsDefault1BitsTheCpuForces) {
  ControlCapabilities caps = permissive();
  caps.primary |= 0x0401'E172;  // the classic default1 settings of the primary controls
  ControlChoice choice = choose_controls(caps);
  ASSERT_TRUE(choice.problem.empty());
  EXPECT_EQ(choice.controls.primary & 0x0401'E172u, 0x0401'E172u);
}

TEST(ChooseControls, GoesWithoutVpidWhenAbsent) {
  ControlCapabilities caps = permissive();
  caps.secondary = uint64_t{proc2::kEnableEpt} << 32;
  ControlChoice choice = choose_controls(caps);
  ASSERT_TRUE(choice.problem.empty());
  EXPECT_FALSE(choice.controls.vpid);
  EXPECT_EQ(choice.controls.secondary, proc2::kEnableEpt);
}

TEST(ChooseControls, SwitchesPatOnlyWhenBothDirectionsCan) {
  ControlCapabilities caps = permissive();
  caps.entry &= ~(uint64_t{entry_ctl::kLoadPat} << 32);
  ControlChoice choice = choose_controls(caps);
  ASSERT_TRUE(choice.problem.empty());
  EXPECT_FALSE(choice.controls.pat);
  EXPECT_EQ(choice.controls.exit & (exit_ctl::kSavePat | exit_ctl::kLoadPat), 0u);
}

TEST(ChooseControls, RunsWithoutThePreemptionTimerWhenAbsent) {
  ControlCapabilities caps = permissive();
  caps.pin = uint64_t{pin::kExternalInterruptExiting | pin::kNmiExiting} << 32;
  ControlChoice choice = choose_controls(caps);
  ASSERT_TRUE(choice.problem.empty());
  EXPECT_FALSE(choice.controls.preemption_timer);
  EXPECT_EQ(choice.controls.pin, pin::kExternalInterruptExiting | pin::kNmiExiting);
}

TEST(ChooseControls, FailsNamingTheFieldWithoutEpt) {
  ControlCapabilities caps = permissive();
  caps.secondary = uint64_t{proc2::kEnableVpid} << 32;
  ControlChoice choice = choose_controls(caps);
  EXPECT_EQ(choice.problem, "secondary processor-based controls");
  EXPECT_EQ(choice.missing, proc2::kEnableEpt);
}

TEST(ChooseControls, FailsWithoutExternalInterruptExiting) {
  ControlCapabilities caps = permissive();
  caps.pin = uint64_t{pin::kNmiExiting} << 32;
  ControlChoice choice = choose_controls(caps);
  EXPECT_EQ(choice.problem, "pin-based VM-execution controls");
  EXPECT_EQ(choice.missing, pin::kExternalInterruptExiting);
}

TEST(ChooseControls, RefusesAForcedAcknowledgeInterruptOnExit) {
  ControlCapabilities caps = permissive();
  caps.exit |= exit_ctl::kAcknowledgeInterruptOnExit;
  EXPECT_FALSE(choose_controls(caps).problem.empty());
}

}  // namespace
}  // namespace godwit::x86::vmx
