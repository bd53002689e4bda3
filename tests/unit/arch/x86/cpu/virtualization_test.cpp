#include "arch/x86/cpu/virtualization.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace godwit::x86 {
namespace {

class StringSink final : public Sink {
 public:
  void write(std::string_view text) override { text_ += text; }
  std::string text_;
};

CpuFeatures usable_vmx(bool pml) {
  CpuFeatures cpu;
  VmxFeatures& v = cpu.vmx;
  v.supported = v.secondary_controls = v.ept = v.ept_walk4 = v.ept_write_back = true;
  v.invept = v.invept_single = true;
  v.pml = pml;
  return cpu;
}

CpuFeatures usable_svm() {
  CpuFeatures cpu;
  cpu.svm.supported = cpu.svm.npt = true;
  cpu.svm.asids = 16;
  return cpu;
}

TEST(Virtualization, SummaryNamesTheUsableBackendAndItsExtras) {
  StringSink vmx, svm;
  summarize_virtualization(vmx, usable_vmx(true));
  summarize_virtualization(svm, usable_svm());
  EXPECT_EQ(vmx.text_, "VT-x with EPT available (and PML)");
  EXPECT_EQ(svm.text_, "AMD-V with NPT available (16 ASIDs)");
  EXPECT_TRUE(virtualization_usable(usable_vmx(false)));
  EXPECT_TRUE(virtualization_usable(usable_svm()));
}

TEST(Virtualization, NeitherUsableSaysWhyForBoth) {
  CpuFeatures cpu;
  cpu.svm.supported = true;  // but no NPT
  StringSink out;
  summarize_virtualization(out, cpu);
  EXPECT_FALSE(virtualization_usable(cpu));
  EXPECT_EQ(out.text_.rfind("no usable virtualization: VT-x: the CPU does not offer VT-x", 0), 0u);
  EXPECT_NE(out.text_.find("AMD-V: AMD-V lacks nested paging"), std::string::npos);
}

TEST(Virtualization, DescriptionHasOneLinePerBackend) {
  StringSink out;
  describe_virtualization(out, usable_svm());
  EXPECT_NE(out.text_.find("  VT-x:     unusable: "), std::string::npos);
  EXPECT_NE(out.text_.find("  AMD-V:    usable: NPT yes, 16 ASIDs"), std::string::npos);
  EXPECT_EQ(std::count(out.text_.begin(), out.text_.end(), '\n'), 2);
}

TEST(Virtualization, FeatureNamesListOnlyUsableBackends) {
  std::string_view names[8];
  size_t count = virtualization_feature_names(usable_vmx(true), names);
  ASSERT_EQ(count, 3u);
  EXPECT_EQ(names[0], "vmx");
  EXPECT_EQ(names[1], "ept");
  EXPECT_EQ(names[2], "pml");
  EXPECT_EQ(virtualization_feature_names(usable_svm(), names), 2u);
  EXPECT_EQ(names[0], "svm");
  EXPECT_EQ(virtualization_feature_names(CpuFeatures{}, names), 0u);
  std::string_view one[1];
  EXPECT_EQ(virtualization_feature_names(usable_vmx(true), one), 1u);  // never past the span
}

}  // namespace
}  // namespace godwit::x86
