#include "arch/x86/vmx/control_adjust.h"

#include <gtest/gtest.h>

namespace godwit::x86::vmx {
namespace {

constexpr uint64_t capability(uint32_t must_be_one, uint32_t may_be_one) {
  return (uint64_t{may_be_one} << 32) | must_be_one;
}

TEST(FitControls, AddsBitsTheCpuForcesOn) {
  ControlFit fit = fit_controls(0x1, 0, capability(0x16, 0xFF));
  EXPECT_TRUE(fit.ok());
  EXPECT_EQ(fit.value, 0x17u);
}

TEST(FitControls, DropsWantedBitsTheCpuCannotSet) {
  ControlFit fit = fit_controls(0x1, 0x30, capability(0, 0x11));
  EXPECT_TRUE(fit.ok());
  EXPECT_EQ(fit.value, 0x11u);
}

TEST(FitControls, ReportsRequiredBitsTheCpuCannotSet) {
  ControlFit fit = fit_controls(0x81, 0, capability(0, 0x01));
  EXPECT_FALSE(fit.ok());
  EXPECT_EQ(fit.missing, 0x80u);
  EXPECT_EQ(fit.value, 0x01u);  // never a bit the CPU forbids
}

TEST(FitControls, ValueAlwaysWithinTheAllowedSettings) {
  uint64_t cap = capability(0x0401'0016, 0xFFF9'FFFF);
  ControlFit fit = fit_controls(0x8000'0000, 0xFFFF'FFFF, cap);
  EXPECT_EQ(fit.value & 0x0401'0016u, 0x0401'0016u);
  EXPECT_EQ(fit.value & ~0xFFF9'FFFFu, 0u);
}

TEST(FixedBits, AllowsAndApplies) {
  FixedBits cr0{0x8000'0021, 0xFFFF'FFFF};
  EXPECT_TRUE(cr0.allows(0x8005'0033));
  EXPECT_FALSE(cr0.allows(0x8005'0013));              // NE clear
  EXPECT_FALSE(cr0.allows(0x1'8000'0021));            // above FIXED1
  EXPECT_EQ(cr0.apply(0x1'0000'0010), 0x8000'0031u);  // forced on, forbidden off
}

}  // namespace
}  // namespace godwit::x86::vmx
