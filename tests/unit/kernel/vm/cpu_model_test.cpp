// The CPU model guests are shown and the check that a node can present it: what the
// destination of a migration answers before it accepts a single page.
#include "kernel/vm/cpu_model.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

namespace godwit::vm {
namespace {

// A host CPU as a table of leaves.
class TableCpu final : public HostCpuid {
 public:
  std::map<uint32_t, x86::CpuidResult> leaves;
  x86::CpuidResult query(uint32_t leaf, uint32_t) override {
    auto it = leaves.find(leaf);
    return it == leaves.end() ? x86::CpuidResult{} : it->second;
  }
};

// Hosts shaped like QEMU's qemu64,+svm,+npt (AuthenticAMD) and Bochs' corei7_skylake_x
// (GenuineIntel): typical values for those CPUs, written by hand, not dumps. That the real
// emulators present the model is shown by the cpuid guest in the svm and vmx labels.
TableCpu qemu64() {
  TableCpu cpu;
  cpu.leaves[0] = {0xD, 0x68747541, 0x444D4163, 0x69746E65};  // AuthenticAMD
  cpu.leaves[1] = {0x663, 0x800, 0x80002001, 0x078BFBFD};
  cpu.leaves[0x80000000] = {0x8000000A, 0x68747541, 0x444D4163, 0x69746E65};
  cpu.leaves[0x80000001] = {0x663, 0, 0x00000065, 0x2193FBFD};
  cpu.leaves[0x80000008] = {0x3028, 0, 0, 0};
  return cpu;
}
TableCpu skylake() {
  TableCpu cpu;
  cpu.leaves[0] = {0x16, 0x756E6547, 0x6C65746E, 0x49656E69};  // GenuineIntel
  cpu.leaves[1] = {0x50654, 0x10800, 0x7FFAFBBF, 0xBFEBFBFF};
  cpu.leaves[0x80000000] = {0x80000008, 0, 0, 0};
  cpu.leaves[0x80000001] = {0, 0, 0x00000121, 0x2C100800};
  cpu.leaves[0x80000008] = {0x3027, 0, 0, 0};
  return cpu;
}

std::string text_of(const x86::GuestCpuid& m, uint32_t leaf, const char* order) {
  x86::CpuidResult r = model_answer(m, leaf, 0);
  std::string out;
  for (const char* c = order; *c != '\0'; ++c) {
    uint32_t reg = *c == 'a' ? r.eax : *c == 'b' ? r.ebx : *c == 'c' ? r.ecx : r.edx;
    out.append(reinterpret_cast<const char*>(&reg), 4);
  }
  return out;
}

TEST(CpuModel, Godwit1IsWhatItSays) {
  x86::GuestCpuid m = cpu_model_godwit1();
  EXPECT_EQ(m.model, kCpuModelGodwit1);
  EXPECT_EQ(text_of(m, 0, "bdc"), "GodwitVCPU64");
  std::string brand =
      text_of(m, 0x80000002, "abcd") + text_of(m, 0x80000003, "abcd") + text_of(m, 0x80000004, "abcd");
  EXPECT_STREQ(brand.c_str(), "Godwit virtual CPU (model 1)");
  EXPECT_EQ(model_answer(m, 0, 0).eax, 1u);
  EXPECT_EQ(model_answer(m, 0x80000000, 0).eax, 0x80000008u);
  x86::CpuidResult leaf1 = model_answer(m, 1, 0);
  EXPECT_EQ((leaf1.eax >> 8) & 0xF, 6u);  // family 6
  EXPECT_EQ(leaf1.edx & (1u << 5), 0u);   // no MSR: every RDMSR/WRMSR ends the guest
  EXPECT_EQ(leaf1.edx & (1u << 4), 0u);   // no TSC: it does not continue across a move
  EXPECT_EQ(leaf1.edx & (1u << 9), 0u);   // no local APIC
  EXPECT_NE(leaf1.edx & (1u << 26), 0u);  // SSE2
  EXPECT_NE(model_answer(m, 0x80000001, 0).edx & (1u << 29), 0u);  // long mode
  for (uint32_t i = 1; i < m.count; ++i) {                         // sorted, each once
    EXPECT_LT(m.entries[i - 1].leaf, m.entries[i].leaf);
  }
}

TEST(CpuModel, BothEmulatorsCanPresentGodwit1) {
  TableCpu amd = qemu64(), intel = skylake();
  x86::GuestCpuid m = cpu_model_godwit1();
  CpuModelProblem on_amd = cpu_model_problem(m, amd);
  CpuModelProblem on_intel = cpu_model_problem(m, intel);
  EXPECT_TRUE(on_amd.ok()) << on_amd.what;
  EXPECT_TRUE(on_intel.ok()) << on_intel.what;
}

TEST(CpuModel, AHostWithoutAShownFeatureRefusesAndSaysWhichBits) {
  TableCpu cpu = qemu64();
  cpu.leaves[1].ecx &= ~(1u << 13);  // no CMPXCHG16B
  CpuModelProblem p = cpu_model_problem(cpu_model_godwit1(), cpu);
  ASSERT_FALSE(p.ok());
  EXPECT_STREQ(p.what, "the host CPU lacks ECX features");
  EXPECT_EQ(p.leaf, 1u);
  EXPECT_EQ(p.bits, 1u << 13);
  EXPECT_EQ(p.detail(), (uint64_t{1} << 32) | (1u << 13));
  cpu = skylake();
  cpu.leaves[0x80000001].edx &= ~(1u << 20);  // no NX
  p = cpu_model_problem(cpu_model_godwit1(), cpu);
  EXPECT_STREQ(p.what, "the host CPU lacks EDX features");
  EXPECT_EQ(p.leaf, 0x80000001u);
}

struct Spoil {
  const char* name;
  void (*apply)(x86::GuestCpuid&);
  const char* problem;
};

class CpuModelRefuses : public ::testing::TestWithParam<Spoil> {};

TEST_P(CpuModelRefuses, WhatNoNodeOfThisBuildCanKeep) {
  TableCpu cpu = skylake();
  cpu.leaves[1].ecx |= 0xFFFFFFFF;  // a host that has everything: the refusal is Godwit's
  x86::GuestCpuid m = cpu_model_godwit1();
  GetParam().apply(m);
  CpuModelProblem p = cpu_model_problem(m, cpu);
  ASSERT_FALSE(p.ok());
  EXPECT_STREQ(p.what, GetParam().problem);
}

x86::CpuidEntry& entry(x86::GuestCpuid& m, uint32_t leaf) {
  for (uint32_t i = 0; i < m.count; ++i) {
    if (m.entries[i].leaf == leaf) return m.entries[i];
  }
  throw std::runtime_error("no such leaf");
}

INSTANTIATE_TEST_SUITE_P(
    All, CpuModelRefuses,
    ::testing::Values(
        Spoil{"UnknownModel", [](x86::GuestCpuid& m) { m.model = 2; },
              "the CPU model is not one this node knows"},
        Spoil{"VmxShown", [](x86::GuestCpuid& m) { entry(m, 1).ecx |= 1u << 5; },
              "ECX shows features Godwit does not offer guests"},
        Spoil{"MsrShown", [](x86::GuestCpuid& m) { entry(m, 1).edx |= 1u << 5; },
              "EDX shows features Godwit does not offer guests"},
        Spoil{"SvmShown", [](x86::GuestCpuid& m) { entry(m, 0x80000001).ecx |= 1u << 2; },
              "ECX shows features Godwit does not offer guests"},
        Spoil{"NoHypervisorBit", [](x86::GuestCpuid& m) { entry(m, 1).ecx &= ~(1u << 31); },
              "ECX lacks the hypervisor bit"},
        Spoil{"ApicIdSet", [](x86::GuestCpuid& m) { entry(m, 1).ebx |= 1u << 24; },
              "EBX sets a brand index, processor count or APIC ID"},
        Spoil{"OtherClflushSize", [](x86::GuestCpuid& m) { entry(m, 1).ebx = 16u << 8; },
              "the CLFLUSH line size differs from the host's"},
        Spoil{"UnknownLeaf", [](x86::GuestCpuid& m) { entry(m, 0x80000008).leaf = 0x80000007; },
              "a leaf this node does not know how to present"},
        Spoil{"LeafAboveMaxBasic", [](x86::GuestCpuid& m) { entry(m, 0).eax = 0; },
              "a leaf lies above the model's maximum basic leaf"},
        Spoil{"MaxBasicTooHigh", [](x86::GuestCpuid& m) { entry(m, 0).eax = 7; },
              "the maximum basic leaf is too high"},
        Spoil{"LeafAboveMaxExtended", [](x86::GuestCpuid& m) { entry(m, 0x80000000).eax = 0x80000004; },
              "a leaf lies above the model's maximum extended leaf"},
        Spoil{"Subleaf", [](x86::GuestCpuid& m) { entry(m, 1).subleaf = 1; },
              "a leaf has a subleaf this node cannot present"},
        Spoil{"WiderPhysicalAddresses",
              [](x86::GuestCpuid& m) { entry(m, 0x80000008).eax = 52 | (48u << 8); },
              "more physical address bits than the host's"},
        Spoil{"WiderLinearAddresses", [](x86::GuestCpuid& m) { entry(m, 0x80000008).eax = 36 | (57u << 8); },
              "more linear address bits than the host's"},
        Spoil{"NoLeafZero", [](x86::GuestCpuid& m) { m.entries[0].leaf = 0x80000005; },
              "the model lacks leaf 0"},
        Spoil{"NoLeaves", [](x86::GuestCpuid& m) { m.count = 0; }, "the model lists no leaves or too many"}),
    [](const ::testing::TestParamInfo<Spoil>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace godwit::vm
