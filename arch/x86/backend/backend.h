// What the rest of the hypervisor sees of a CPU virtualization backend (VT-x with EPT in
// arch/x86/vmx, AMD-V with NPT in arch/x86/svm). Every operation is mandatory (pure
// virtual): a backend that cannot do one does not exist. Nothing above arch/ may name
// VMX or SVM; the kernel picks the backend once at boot through select_backend().
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/backend/vm_exit.h"
#include "arch/x86/cpu/features.h"
#include "arch/x86/paging/dirty_mechanism.h"
#include "arch/x86/paging/second_level_space.h"
#include "arch/x86/vcpu_state.h"
#include "lib/expected.h"

namespace godwit::x86 {

// One virtual CPU: a VMCS or a VMCB, bound to one second-level address space.
class Vcpu {
 public:
  // Enters the guest and returns at its next exit. Host interrupts that arrive while the
  // guest runs end the run with ExitKind::kInterrupt (the host's handler then runs as
  // soon as the caller enables interrupts), so the caller's time slice is enforced by
  // the host timer tick.
  virtual VmExit run() = 0;
  // Current after run(); written back on the next entry.
  virtual GuestRegisters& registers() = 0;
  // Advances RIP past the instruction that caused `exit` (hypercall, CPUID, HLT, MSR).
  virtual void skip_instruction(const VmExit& exit) = 0;
  // The whole architectural state, for migration and for the first entry. load()
  // rejects a state that the CPU would refuse (kInvalidArgument) without changing the
  // vCPU. guest_time_ns is left alone: the VM layer keeps guest time.
  virtual void save(VcpuState& state) = 0;
  virtual Status load(const VcpuState& state) = 0;
  // How writes to its space are best tracked (kernel/vm/dirty_tracker.h): its own
  // hardware log where the backend has one (VT-x PML), else write protection
  // (arch/x86/paging/write_protection.h). Lives as long as the vCPU.
  virtual DirtyMechanism& dirty_mechanism() = 0;

 protected:
  ~Vcpu() = default;
};

class Backend {
 public:
  virtual std::string_view name() const = 0;  // "VT-x" or "AMD-V"
  // abi::kInstructionVmcall or abi::kInstructionVmmcall, for the guest's boot info.
  virtual uint32_t hypercall_instruction() const = 0;
  // Turns virtualization on for this CPU (VMXON / EFER.SVME and the host save area).
  virtual Status enable() = 0;
  // A new, empty second-level address space (EPT or NPT tables).
  virtual Expected<SecondLevelSpace*> create_space() = 0;
  virtual void destroy_space(SecondLevelSpace* space) = 0;
  // A vCPU that runs in `space`; its state is undefined until load().
  virtual Expected<Vcpu*> create_vcpu(SecondLevelSpace& space) = 0;
  virtual void destroy_vcpu(Vcpu* vcpu) = 0;
  // Whether its vCPUs log written pages in hardware (VT-x PML) rather than relying on
  // write protection, for the boot log and the shell.
  virtual bool hardware_dirty_log() const = 0;

 protected:
  ~Backend() = default;
};

// The backend this CPU can run (VT-x preferred when both could), or kUnsupported with
// the reasons already logged. Called once at boot, after detect_cpu_features().
Expected<Backend*> select_backend(const CpuFeatures& cpu);

}  // namespace godwit::x86
