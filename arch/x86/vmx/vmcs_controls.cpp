#include "arch/x86/vmx/vmcs_controls.h"

#include "arch/x86/vmx/control_adjust.h"
#include "arch/x86/vmx/vmx_controls.h"

namespace godwit::x86::vmx {

namespace {

// Host interrupts and NMIs end the guest's run. Acknowledge-interrupt-on-exit stays
// off, so the interrupt remains pending in the local APIC and the host's own IDT
// handler takes it when the caller of run() executes STI.
constexpr uint32_t kPinRequired = pin::kExternalInterruptExiting | pin::kNmiExiting;
// The VMX-preemption timer bounds every run even where a pending host interrupt does not
// cause an exit: Bochs 2.7 takes external-interrupt exits only while the guest has
// RFLAGS.IF=1, although the SDM ("Event Blocking" in VMX non-root operation) says
// RFLAGS.IF no longer matters; Godwit's guests start with IF=0.
constexpr uint32_t kPinWanted = pin::kPreemptionTimer;
// HLT exits (the scheduler runs another vCPU); I/O and MSR bitmaps of all ones make
// every port and every MSR exit (guests have no direct device or MSR access).
constexpr uint32_t kPrimaryRequired =
    proc::kHltExiting | proc::kUseIoBitmaps | proc::kUseMsrBitmaps | proc::kActivateSecondary;
// No unrestricted guest: guests start in long mode with paging (include/godwit/abi.h).
constexpr uint32_t kSecondaryRequired = proc2::kEnableEpt;
constexpr uint32_t kSecondaryWanted = proc2::kEnableVpid;  // no TLB flush on every switch
// A 64-bit host whose EFER is restored on every exit; PAT too where the CPU can.
constexpr uint32_t kExitRequired =
    exit_ctl::kHostAddressSpaceSize | exit_ctl::kSaveEfer | exit_ctl::kLoadEfer;
constexpr uint32_t kExitWanted = exit_ctl::kSavePat | exit_ctl::kLoadPat;
constexpr uint32_t kEntryRequired = entry_ctl::kIa32eModeGuest | entry_ctl::kLoadEfer;
constexpr uint32_t kEntryWanted = entry_ctl::kLoadPat;
// Controls Godwit must never have on, even if a CPU forced them (it cannot: all of
// these are allowed to be 0 everywhere), because the exit path relies on their absence.
constexpr uint32_t kExitForbidden = exit_ctl::kAcknowledgeInterruptOnExit;

struct Step {
  uint32_t* out;
  uint32_t required;
  uint32_t wanted;
  uint64_t capability;
  std::string_view name;
};

}  // namespace

ControlChoice choose_controls(const ControlCapabilities& caps) {
  ControlChoice choice;
  VmcsControls& c = choice.controls;
  const Step steps[] = {
      {&c.pin, kPinRequired, kPinWanted, caps.pin, "pin-based VM-execution controls"},
      {&c.primary, kPrimaryRequired, 0, caps.primary, "primary processor-based controls"},
      {&c.secondary, kSecondaryRequired, kSecondaryWanted, caps.secondary,
       "secondary processor-based controls"},
      {&c.exit, kExitRequired, kExitWanted, caps.exit, "VM-exit controls"},
      {&c.entry, kEntryRequired, kEntryWanted, caps.entry, "VM-entry controls"},
  };
  for (const Step& step : steps) {
    ControlFit fit = fit_controls(step.required, step.wanted, step.capability);
    *step.out = fit.value;
    if (!fit.ok() && choice.problem.empty()) {
      choice.problem = step.name;
      choice.missing = fit.missing;
    }
  }
  if ((c.exit & kExitForbidden) && choice.problem.empty()) {
    choice.problem = "VM-exit controls (acknowledge-interrupt-on-exit is forced on)";
    choice.missing = kExitForbidden;
  }
  c.vpid = (c.secondary & proc2::kEnableVpid) != 0;
  c.preemption_timer = (c.pin & pin::kPreemptionTimer) != 0;
  // PAT is switched only when both directions can do it; otherwise neither does.
  constexpr uint32_t kExitPat = exit_ctl::kSavePat | exit_ctl::kLoadPat;
  c.pat = (c.exit & kExitPat) == kExitPat && (c.entry & entry_ctl::kLoadPat) != 0;
  if (!c.pat) {
    c.exit &= ~kExitPat | static_cast<uint32_t>(caps.exit);
    c.entry &= ~entry_ctl::kLoadPat | static_cast<uint32_t>(caps.entry);
  }
  return choice;
}

}  // namespace godwit::x86::vmx
