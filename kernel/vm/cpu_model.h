// The CPU a guest is shown: a fixed CPUID table (a model, as QEMU's -cpu models are)
// chosen when the guest is created and carried by every migration, so a guest reads the
// same CPUID on a VT-x node and on an AMD-V node. docs/decisions/0011-guest-cpu-model.md
// says why the model looks as it does. Pure code: the host's CPUID is asked through
// HostCpuid, so GoogleTest runs it against any CPU.
#pragma once

#include <cstdint>

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/vcpu_state.h"

namespace godwit::vm {

// Model 1, "godwit-1": vendor "GodwitVCPU64", x86-64 with SSE2, SSE3, CX16, NX and
// LAHF/SAHF; no feature a guest cannot use under Godwit (MSRs, APIC, SYSCALL set-up,
// TSC continuity across a move, virtualization).
inline constexpr uint32_t kCpuModelGodwit1 = 1;
x86::GuestCpuid cpu_model_godwit1();

// The answer for (leaf, subleaf): its entry, or all zero when the model has none.
x86::CpuidResult model_answer(const x86::GuestCpuid& model, uint32_t leaf, uint32_t subleaf);

// CPUID as the hypervisor sees it on this node.
class HostCpuid {
 public:
  virtual x86::CpuidResult query(uint32_t leaf, uint32_t subleaf) = 0;

 protected:
  ~HostCpuid() = default;
};

// Why a node cannot present a model: a sentence, and where (the leaf and the bits of
// the register named in `what` that are missing or wrong).
struct CpuModelProblem {
  const char* what = nullptr;
  uint32_t leaf = 0;
  uint32_t bits = 0;
  bool ok() const { return what == nullptr; }
  uint64_t detail() const { return uint64_t{leaf} << 32 | bits; }  // for a NACK
};

// Empty when this node can present `model` to a guest: the model is one this build
// knows, lists only leaves this build knows how to keep (0, 1, 0x80000000-0x80000004,
// 0x80000008) within its own maximum leaves, shows only feature bits this build lets
// guests use and the host CPU has, and no more address bits than the host has.
CpuModelProblem cpu_model_problem(const x86::GuestCpuid& model, HostCpuid& host);

}  // namespace godwit::vm
