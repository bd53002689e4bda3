// Which VM-execution, VM-exit and VM-entry controls Godwit runs guests with, fitted to
// what a CPU allows. The choices and their reasons are in vmcs_controls.cpp.
// Pure code: unit-tested on the host with made-up capability MSRs.
#pragma once

#include <cstdint>
#include <string_view>

namespace godwit::x86::vmx {

// The capability MSRs of Vol. 3D A.3-A.5 (the TRUE_ ones when IA32_VMX_BASIC bit 55
// says they exist): allowed 0-settings in bits 31:0, allowed 1-settings in 63:32.
struct ControlCapabilities {
  uint64_t pin = 0;
  uint64_t primary = 0;
  uint64_t secondary = 0;
  uint64_t exit = 0;
  uint64_t entry = 0;
};

struct VmcsControls {
  uint32_t pin = 0;
  uint32_t primary = 0;
  uint32_t secondary = 0;
  uint32_t exit = 0;
  uint32_t entry = 0;
  bool vpid = false;              // the secondary controls enable VPID
  bool pat = false;               // the exit and entry controls switch IA32_PAT
  bool preemption_timer = false;  // the VMX-preemption timer ends long runs
};

struct ControlChoice {
  VmcsControls controls;
  // Empty when every required control fits; otherwise which field lacks what.
  std::string_view problem;
  uint32_t missing = 0;  // the required bits of that field the CPU cannot set
};

ControlChoice choose_controls(const ControlCapabilities& caps);

}  // namespace godwit::x86::vmx
