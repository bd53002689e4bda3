#include "kernel/vm/cpu_model.h"

namespace godwit::vm {
namespace {

using x86::CpuidEntry;
using x86::CpuidResult;
using x86::GuestCpuid;

constexpr uint32_t bit(unsigned n) { return 1u << n; }

// CPUID.1:EDX (SDM Vol. 2A, Table 3-11): FPU PSE PAE CX8 PGE CMOV CLFSH MMX FXSR SSE SSE2.
constexpr uint32_t kLeaf1Edx =
    bit(0) | bit(3) | bit(6) | bit(8) | bit(13) | bit(15) | bit(19) | bit(23) | bit(24) | bit(25) | bit(26);
// CPUID.1:ECX (Table 3-10): SSE3 CX16, and bit 31 "running under a hypervisor".
constexpr uint32_t kLeaf1EcxHypervisor = bit(31);
constexpr uint32_t kLeaf1Ecx = bit(0) | bit(13) | kLeaf1EcxHypervisor;
// CPUID.80000001h: ECX LAHF/SAHF in 64-bit mode; EDX NX and LM.
constexpr uint32_t kExt1Ecx = bit(0);
constexpr uint32_t kExt1Edx = bit(20) | bit(29);

// What this build lets any model promise: the feature bits above plus the SSE4-era
// instructions, which run natively on both backends when the host has them (a later
// model may show them). Everything outside needs hypervisor support Godwit lacks.
constexpr uint32_t kUsableLeaf1Edx = kLeaf1Edx;
constexpr uint32_t kUsableLeaf1Ecx =
    kLeaf1Ecx | bit(1) | bit(9) | bit(19) | bit(20) | bit(23);  // PCLMUL SSSE3 SSE4.1 SSE4.2 POPCNT
constexpr uint32_t kUsableExt1Ecx = kExt1Ecx;
constexpr uint32_t kUsableExt1Edx = kExt1Edx;

constexpr uint32_t kMaxBasicLeaf = 1;
constexpr uint32_t kMaxExtendedLeaf = 0x8000'0008;
constexpr uint32_t kSignature = 0x0000'0611;         // family 6, model 1, stepping 1
constexpr uint32_t kClflush64 = 8u << 8;             // CPUID.1:EBX[15:8]: CLFLUSH line 8 * 8 bytes
constexpr uint32_t kAddressSizes = 36 | (48u << 8);  // 36 physical, 48 linear address bits

// Four characters of text as a register reads them (little-endian).
constexpr uint32_t text(const char (&s)[5]) {
  return uint32_t(uint8_t(s[0])) | uint32_t(uint8_t(s[1])) << 8 | uint32_t(uint8_t(s[2])) << 16 |
         uint32_t(uint8_t(s[3])) << 24;
}

void add(GuestCpuid& m, uint32_t leaf, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx) {
  m.entries[m.count++] = CpuidEntry{leaf, 0, eax, ebx, ecx, edx};
}

const CpuidEntry* find(const GuestCpuid& m, uint32_t leaf, uint32_t subleaf) {
  for (uint32_t i = 0; i < m.count && i < x86::kMaxCpuidEntries; ++i) {
    if (m.entries[i].leaf == leaf && m.entries[i].subleaf == subleaf) return &m.entries[i];
  }
  return nullptr;
}

CpuModelProblem problem(const char* what, uint32_t leaf, uint32_t bits = 0) { return {what, leaf, bits}; }

// Feature bits: each must be usable under Godwit and present on the host.
CpuModelProblem feature_problem(const CpuidEntry& e, const CpuidResult& host, uint32_t usable_ecx,
                                uint32_t usable_edx, uint32_t host_ecx_extra) {
  if (uint32_t bad = e.ecx & ~usable_ecx)
    return problem("ECX shows features Godwit does not offer guests", e.leaf, bad);
  if (uint32_t bad = e.edx & ~usable_edx)
    return problem("EDX shows features Godwit does not offer guests", e.leaf, bad);
  if (uint32_t missing = e.ecx & ~(host.ecx | host_ecx_extra))
    return problem("the host CPU lacks ECX features", e.leaf, missing);
  if (uint32_t missing = e.edx & ~host.edx)
    return problem("the host CPU lacks EDX features", e.leaf, missing);
  return {};
}

CpuModelProblem entry_problem(const CpuidEntry& e, const GuestCpuid& m, HostCpuid& host) {
  bool kept_by_host = e.leaf == 0x8000'0001 || e.leaf == 0x8000'0008;  // asked of the host below
  if (kept_by_host && host.query(0x8000'0000, 0).eax < e.leaf)
    return problem("the host CPU lacks a leaf", e.leaf);
  if (e.subleaf != 0) return problem("a leaf has a subleaf this node cannot present", e.leaf, e.subleaf);
  const CpuidEntry* basic = find(m, 0, 0);
  const CpuidEntry* extended = find(m, 0x8000'0000, 0);
  if (e.leaf < 0x8000'0000 && e.leaf > basic->eax)
    return problem("a leaf lies above the model's maximum basic leaf", e.leaf);
  if (e.leaf >= 0x8000'0000 && (extended == nullptr || e.leaf > extended->eax))
    return problem("a leaf lies above the model's maximum extended leaf", e.leaf);
  switch (e.leaf) {
    case 0:
      return e.eax <= kMaxBasicLeaf ? CpuModelProblem{}
                                    : problem("the maximum basic leaf is too high", 0, e.eax);
    case 1: {
      CpuidResult h = host.query(1, 0);
      if (e.ebx & ~0xFF00u) return problem("EBX sets a brand index, processor count or APIC ID", 1, e.ebx);
      if ((e.edx & bit(19)) && (e.ebx & 0xFF00u) != (h.ebx & 0xFF00u))
        return problem("the CLFLUSH line size differs from the host's", 1, e.ebx & 0xFF00u);
      if (!(e.ecx & kLeaf1EcxHypervisor))
        return problem("ECX lacks the hypervisor bit", 1, kLeaf1EcxHypervisor);
      // The host sees its own hypervisor bit only when it is itself a guest.
      return feature_problem(e, h, kUsableLeaf1Ecx, kUsableLeaf1Edx, kLeaf1EcxHypervisor);
    }
    case 0x8000'0000:
      if (e.eax < 0x8000'0000 || e.eax > kMaxExtendedLeaf)
        return problem("the maximum extended leaf is out of range", e.leaf, e.eax);
      return {};
    case 0x8000'0001:
      if (e.ebx != 0) return problem("EBX is not zero", e.leaf, e.ebx);
      return feature_problem(e, host.query(0x8000'0001, 0), kUsableExt1Ecx, kUsableExt1Edx, 0);
    case 0x8000'0002:
    case 0x8000'0003:
    case 0x8000'0004: return {};  // the brand string
    case 0x8000'0008: {
      if (e.ebx != 0 || e.ecx != 0 || e.edx != 0 || (e.eax >> 16) != 0)
        return problem("only the address sizes may be set", e.leaf, e.eax);
      CpuidResult h = host.query(0x8000'0008, 0);
      if ((e.eax & 0xFF) > (h.eax & 0xFF))
        return problem("more physical address bits than the host's", e.leaf, e.eax & 0xFF);
      if (((e.eax >> 8) & 0xFF) > ((h.eax >> 8) & 0xFF))
        return problem("more linear address bits than the host's", e.leaf, (e.eax >> 8) & 0xFF);
      return {};
    }
    default: return problem("a leaf this node does not know how to present", e.leaf);
  }
}

}  // namespace

GuestCpuid cpu_model_godwit1() {
  GuestCpuid m;
  m.model = kCpuModelGodwit1;
  add(m, 0, kMaxBasicLeaf, text("Godw"), text("PU64"), text("itVC"));  // EBX EDX ECX: "GodwitVCPU64"
  add(m, 1, kSignature, kClflush64, kLeaf1Ecx, kLeaf1Edx);
  add(m, 0x8000'0000, kMaxExtendedLeaf, 0, 0, 0);
  add(m, 0x8000'0001, 0, 0, kExt1Ecx, kExt1Edx);
  // "Godwit virtual CPU (model 1)", NUL-padded to 48 bytes.
  add(m, 0x8000'0002, text("Godw"), text("it v"), text("irtu"), text("al C"));
  add(m, 0x8000'0003, text("PU ("), text("mode"), text("l 1)"), 0);
  add(m, 0x8000'0004, 0, 0, 0, 0);
  add(m, 0x8000'0008, kAddressSizes, 0, 0, 0);
  return m;
}

x86::CpuidResult model_answer(const GuestCpuid& model, uint32_t leaf, uint32_t subleaf) {
  const CpuidEntry* e = find(model, leaf, subleaf);
  if (e == nullptr) return {0, 0, 0, 0};
  return {e->eax, e->ebx, e->ecx, e->edx};
}

CpuModelProblem cpu_model_problem(const GuestCpuid& model, HostCpuid& host) {
  if (model.model != kCpuModelGodwit1)
    return problem("the CPU model is not one this node knows", 0, model.model);
  if (model.count == 0 || model.count > x86::kMaxCpuidEntries)
    return problem("the model lists no leaves or too many", 0, model.count);
  if (find(model, 0, 0) == nullptr) return problem("the model lacks leaf 0", 0);
  for (uint32_t i = 0; i < model.count; ++i) {
    if (auto p = entry_problem(model.entries[i], model, host); !p.ok()) return p;
  }
  return {};
}

}  // namespace godwit::vm
