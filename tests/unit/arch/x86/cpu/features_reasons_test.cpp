#include <gtest/gtest.h>

#include "arch/x86/cpu/features.h"

namespace godwit::x86 {
namespace {

VmxFeatures full_vmx() {
  VmxFeatures v;
  v.supported = v.true_controls = v.secondary_controls = v.ept = v.ept_walk4 = true;
  v.ept_write_back = v.invept = v.invept_single = true;
  return v;
}

TEST(FeatureReasons, UsableVmxHasNoReason) { EXPECT_TRUE(vmx_unusable_reason(full_vmx()).empty()); }

TEST(FeatureReasons, EachMissingVmxPieceIsNamed) {
  VmxFeatures v = full_vmx();
  v.ept = false;
  EXPECT_NE(vmx_unusable_reason(v).find("EPT"), std::string_view::npos);
  v = full_vmx();
  v.locked_off = true;
  EXPECT_NE(vmx_unusable_reason(v).find("firmware"), std::string_view::npos);
  v = full_vmx();
  v.invept_single = false;
  EXPECT_NE(vmx_unusable_reason(v).find("INVEPT"), std::string_view::npos);
  EXPECT_NE(vmx_unusable_reason(VmxFeatures{}).find("does not offer"), std::string_view::npos);
}

TEST(FeatureReasons, SvmNeedsNestedPaging) {
  SvmFeatures s;
  s.supported = true;
  s.asids = 16;
  EXPECT_NE(svm_unusable_reason(s).find("+npt"), std::string_view::npos);
  s.npt = true;
  EXPECT_TRUE(svm_unusable_reason(s).empty());
  s.disabled_by_bios = true;
  EXPECT_NE(svm_unusable_reason(s).find("SVMDIS"), std::string_view::npos);
}

}  // namespace
}  // namespace godwit::x86
