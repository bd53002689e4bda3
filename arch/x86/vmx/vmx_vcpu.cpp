#include "arch/x86/vmx/vmx_vcpu.h"

#include <cstring>

#include "arch/x86/cpu/descriptors.h"
#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/paging/write_protection.h"
#include "arch/x86/vmx/ept_pointer.h"
#include "arch/x86/vmx/exit_decoder.h"
#include "arch/x86/vmx/exit_reason.h"
#include "arch/x86/vmx/state_check.h"
#include "arch/x86/vmx/state_transfer.h"
#include "arch/x86/vmx/vmcs_writer.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/panic.h"

extern "C" int vmx_enter(godwit::x86::GuestRegisters* regs, uint64_t launched);
extern "C" char vmx_exit_point[];

namespace godwit::x86::vmx {

namespace {

using F = VmcsField;

DescriptorTablePointer read_gdtr() {
  DescriptorTablePointer p{};
  asm volatile("sgdt %0" : "=m"(p));
  return p;
}

DescriptorTablePointer read_idtr() {
  DescriptorTablePointer p{};
  asm volatile("sidt %0" : "=m"(p));
  return p;
}

// The current VMCS through VMREAD/VMWRITE, for the pure state transfer.
class HardwareVmcs final : public VmcsAccess {
 public:
  uint64_t read(VmcsField field) override { return vmread(field); }
  bool write(VmcsField field, uint64_t value) override { return vmwrite(field, value); }
};

// The base of the 16-byte TSS descriptor (Vol. 3A 8.2.3, Figure 8-4).
uint64_t tss_base(const DescriptorTablePointer& gdtr) {
  const auto* gdt = reinterpret_cast<const uint64_t*>(gdtr.base);
  uint64_t low = gdt[kTaskState / 8], high = gdt[kTaskState / 8 + 1];
  return ((low >> 16) & 0xFF'FFFF) | (((low >> 56) & 0xFF) << 24) | (high << 32);
}

}  // namespace

Status VmxVcpu::init() {
  auto frame = memory::frames().allocate();
  if (!frame) return frame.failure();
  vmcs_ = *frame;
  std::memset(reinterpret_cast<void*>(vmcs_), 0, kPageSize);
  // Vol. 3C 25.2 "Format of the VMCS Region": the first word is the revision identifier, bit 31 clear (not
  // shadow).
  *reinterpret_cast<uint32_t*>(vmcs_) = shared_.caps.revision;
  if (!vmclear(vmcs_) || !make_current()) {
    log::error("VT-x: VMCLEAR/VMPTRLD of a new VMCS at {:#x} failed", vmcs_);
    return fail(Error::kState);
  }
  if (!write_controls() || !write_host_state()) return fail(Error::kState);
  // Where the CPU can, dirty pages are logged rather than write-protected: the log
  // page is set once; the tracker turns logging on and off (page_modification_log.h).
  if (shared_.caps.pml) {
    auto page = memory::frames().allocate();
    if (!page) return page.failure();
    pml_page_ = *page;
    std::memset(reinterpret_cast<void*>(pml_page_), 0, kPageSize);
    if (!vmwrite(F::kPmlAddress, pml_page_) || !vmwrite(F::kGuestPmlIndex, PageModificationLog::kEmpty)) {
      log::error("VT-x: VMWRITE of the PML address or index failed");
      return fail(Error::kState);
    }
    pml_ = new PageModificationLog(*this, reinterpret_cast<const uint64_t*>(pml_page_));
  }
  return ok();
}

void VmxVcpu::release() {
  if (unswitched_owner_ == this) unswitched_owner_ = nullptr;
  delete pml_;
  pml_ = nullptr;
  if (pml_page_ != 0) (void)memory::frames().free(pml_page_);
  pml_page_ = 0;
  if (vmcs_ == 0) return;
  (void)vmclear(vmcs_);
  if (current_vmcs_ == vmcs_) current_vmcs_ = 0;
  (void)memory::frames().free(vmcs_);
  vmcs_ = 0;
}

bool VmxVcpu::make_current() {
  if (current_vmcs_ == vmcs_) return true;
  if (!vmptrld(vmcs_)) return false;
  current_vmcs_ = vmcs_;
  return true;
}

bool VmxVcpu::write_controls() {
  const VmcsControls& c = shared_.controls;
  VmcsWriter w;
  w(F::kPinBasedControls, c.pin);
  w(F::kPrimaryProcessorControls, c.primary);
  w(F::kSecondaryProcessorControls, c.secondary);
  w(F::kExitControls, c.exit);
  w(F::kEntryControls, c.entry);
  w(F::kExceptionBitmap, 0);  // guests handle their own exceptions
  w(F::kCr3TargetCount, 0);
  w(F::kIoBitmapA, shared_.io_bitmap_a);
  w(F::kIoBitmapB, shared_.io_bitmap_b);
  w(F::kMsrBitmap, shared_.msr_bitmap);
  w(F::kEptPointer, make_eptp(space_.root()));
  if (c.vpid) w(F::kVpid, vpid_);
  // Without "save VMX-preemption timer value" every entry restarts from this value.
  if (c.preemption_timer) w(F::kGuestPreemptionTimer, shared_.preemption_ticks);
  // Guest/host masks (25.6.6): the bits VMX requires to be 1 in CR0 (PE, NE, PG) and
  // CR4 (VMXE) belong to the host. Guest reads of them see the read shadows (the
  // guest's own values, set by load()); a guest write that would change them exits
  // instead (a CR-access exit, kOther, which ends the guest). CR0.CD and NW are owned
  // too: VM entry never loads them ("Loading Guest Control Registers"), so the guest
  // runs with the host's caching and sees its own saved values.
  w(F::kCr0GuestHostMask, cr0_guest_host_mask(shared_.caps.fixed));
  w(F::kCr4GuestHostMask, cr4_guest_host_mask(shared_.caps.fixed));
  w(F::kVmcsLinkPointer, ~uint64_t{0});  // no shadow VMCS (Vol. 3C "Checks on Guest Non-Register State")
  if (!w.ok()) log::error("VT-x: VMWRITE of control field {:#x} failed", w.failed_field());
  return w.ok();
}

// Host state (Vol. 3C 25.5 "Host-State Area", checked as in "Checks on Host Control
// Registers, MSRs, and SSP" and the two sections after it) is what a VM exit loads: the
// hypervisor's own registers, with RSP written by the entry stub on every entry.
bool VmxVcpu::write_host_state() {
  DescriptorTablePointer gdtr = read_gdtr(), idtr = read_idtr();
  VmcsWriter w;
  w(F::kHostCr0, read_cr0());
  w(F::kHostCr3, read_cr3());
  w(F::kHostCr4, read_cr4());
  w(F::kHostCsSelector, kKernelCode);
  for (F field :
       {F::kHostSsSelector, F::kHostDsSelector, F::kHostEsSelector, F::kHostFsSelector, F::kHostGsSelector}) {
    w(field, kKernelData);
  }
  w(F::kHostTrSelector, kTaskState);
  w(F::kHostTrBase, tss_base(gdtr));
  w(F::kHostGdtrBase, gdtr.base);
  w(F::kHostIdtrBase, idtr.base);
  w(F::kHostFsBase, rdmsr(kMsrFsBase));
  w(F::kHostGsBase, rdmsr(kMsrGsBase));
  w(F::kHostSysenterCs, 0);  // the hypervisor never uses SYSENTER
  w(F::kHostSysenterEsp, 0);
  w(F::kHostSysenterEip, 0);
  w(F::kHostEfer, rdmsr(kMsrEfer));
  if (shared_.controls.pat) w(F::kHostPat, rdmsr(kMsrPat));
  w(F::kHostRip, reinterpret_cast<uint64_t>(vmx_exit_point));
  if (!w.ok()) log::error("VT-x: VMWRITE of host field {:#x} failed", w.failed_field());
  return w.ok();
}

DirtyMechanism& VmxVcpu::dirty_mechanism() {
  if (pml_ != nullptr) return *pml_;
  return write_protection();
}

// The tracker reads and writes the log between runs, when another vCPU's VMCS may be
// current. A failed VMREAD/VMPTRLD reads as a full log: drained entries are only marked
// dirty, so reading too much is safe where reading too little would lose pages.
uint16_t VmxVcpu::index() {
  if (!make_current()) return 0xFFFF;
  return static_cast<uint16_t>(vmread(F::kGuestPmlIndex));
}

void VmxVcpu::set_index(uint16_t index) {
  if (!make_current() || !vmwrite(F::kGuestPmlIndex, index)) log::error("VT-x: cannot set the PML index");
}

// EPTP bit 6 goes with the control: PML needs EPT dirty flags (a VM entry with PML on
// and the flags off fails its checks), and with the flags off the CPU neither sets them
// nor treats guest page-table walks as writes, which write protection relies on. The
// INVEPT drops translations cached under the old setting, which might let a write
// through without setting a dirty flag.
void VmxVcpu::set_logging(bool on) {
  if (!make_current()) {
    log::error("VT-x: VMPTRLD failed; PML not switched {}", on ? "on" : "off");
    return;
  }
  VmcsWriter w;
  w(F::kSecondaryProcessorControls, shared_.controls.secondary | (on ? proc2::kEnablePml : 0));
  w(F::kEptPointer, make_eptp(space_.root(), on));
  if (!w.ok()) log::error("VT-x: VMWRITE of field {:#x} failed switching PML", w.failed_field());
  bool flushed = shared_.caps.invept_single ? invept(InveptType::kSingleContext, make_eptp(space_.root(), on))
                                            : invept(InveptType::kAllContext, 0);
  // As in EptFlusher: a stale translation could let writes go unlogged.
  if (!flushed) panic("VT-x: INVEPT failed switching PML");
}

VmcsStateLayout VmxVcpu::layout() const { return {shared_.caps.fixed, shared_.controls.pat}; }

// save() and load(): the pure conversion in state_transfer.cpp over the real VMCS, plus
// the registers the vCPU keeps itself (VmxSoftState).
void VmxVcpu::save(VcpuState& state) {
  if (!make_current()) {
    log::error("VT-x: VMPTRLD failed; vCPU state not saved");
    return;
  }
  if (unswitched_owner_ == this) capture_unswitched();
  HardwareVmcs vmcs;
  read_vmcs_state(vmcs, layout(), soft_, state);
  fpu_.save(state.fpu);
}

Status VmxVcpu::load(const VcpuState& state) {
  std::string_view problem = guest_state_problem(state, shared_.caps.fixed);
  if (problem.empty()) problem = GuestFpu::problem(state.fpu);
  if (!problem.empty()) {
    log::error("VT-x: vCPU state rejected: {}", problem);
    return fail(Error::kInvalidArgument);
  }
  if (!make_current()) return fail(Error::kState);
  HardwareVmcs vmcs;
  VmxSoftState soft;
  if (uint32_t field = write_vmcs_state(state, layout(), vmcs, soft); field != 0) {
    log::error("VT-x: VMWRITE of guest field {:#x} failed", field);
    return fail(Error::kState);
  }
  soft_ = soft;
  fpu_.load(state.fpu);
  if (unswitched_owner_ == this) unswitched_owner_ = nullptr;  // rewrite them on entry
  return ok();
}

void VmxVcpu::capture_unswitched() {
  soft_.cr2 = read_cr2();
  soft_.kernel_gs_base = rdmsr(kMsrKernelGsBase);  // SWAPGS changes it
}

void VmxVcpu::switch_in_unswitched() {
  if (unswitched_owner_ == this) return;
  if (unswitched_owner_ != nullptr) unswitched_owner_->capture_unswitched();
  // load() checked these (common_state_problem): WRMSR of a non-canonical LSTAR,
  // CSTAR or KERNEL_GS_BASE, or an SFMASK with bits 63:32, would #GP here, in the host.
  asm volatile("mov %0, %%cr2" ::"r"(soft_.cr2));
  wrmsr(kMsrStar, soft_.star);
  wrmsr(kMsrLstar, soft_.lstar);
  wrmsr(kMsrCstar, soft_.cstar);
  wrmsr(kMsrSfmask, soft_.sfmask);
  wrmsr(kMsrKernelGsBase, soft_.kernel_gs_base);
  unswitched_owner_ = this;
}

VmExit VmxVcpu::run() {
  disable_interrupts();  // VM exits leave them off too; the caller's STI takes the tick
  if (!make_current()) return entry_failed(1);
  switch_in_unswitched();
  fpu_.switch_in();
  VmcsWriter w;
  w(F::kGuestRsp, soft_.regs.gpr[kRsp]);
  w(F::kGuestRip, soft_.regs.rip);
  w(F::kGuestRflags,
    soft_.regs.rflags | 2);  // bit 1 is always 1 (Vol. 3C "Checks on Guest RIP, RFLAGS, and SSP")
  int result = vmx_enter(&soft_.regs, launched_ ? 1 : 0);
  if (result != 0) return entry_failed(result);
  return finish_exit();
}

// The skipped instruction also ends an STI or MOV-SS interrupt shadow (interruptibility
// bits 1:0, Vol. 3C 25.4.2 "Guest Non-Register State"), as executing it would have; a stale shadow would make
// a later event injection fail the entry checks.
void VmxVcpu::skip_instruction(const VmExit& exit) {
  soft_.regs.rip += exit.instruction_length;
  if (!make_current()) return;
  uint64_t interruptibility = vmread(F::kGuestInterruptibility);
  if (interruptibility & 3) (void)vmwrite(F::kGuestInterruptibility, interruptibility & ~uint64_t{3});
}

VmExit VmxVcpu::entry_failed(int result) {
  VmExit exit;
  exit.kind = ExitKind::kInvalidState;
  const char* instruction = launched_ ? "VMRESUME" : "VMLAUNCH";
  if (result == 2) {
    auto error = static_cast<uint32_t>(vmread(F::kVmInstructionError));
    exit.raw = error;
    log::error("VT-x: {} failed: VM-instruction error {} ({})", instruction, error,
               vm_instruction_error_text(error));
  } else {
    log::error("VT-x: {} failed: no current VMCS (VMfailInvalid)", instruction);
  }
  return exit;
}

VmExit VmxVcpu::finish_exit() {
  RawExit raw;
  raw.reason = static_cast<uint32_t>(vmread(F::kExitReason));
  raw.qualification = vmread(F::kExitQualification);
  raw.instruction_length = static_cast<uint32_t>(vmread(F::kExitInstructionLength));
  raw.guest_physical = vmread(F::kGuestPhysicalAddress);
  raw.interruption_info = static_cast<uint32_t>(vmread(F::kExitInterruptionInfo));
  soft_.regs.gpr[kRsp] = vmread(F::kGuestRsp);
  soft_.regs.rip = vmread(F::kGuestRip);
  soft_.regs.rflags = vmread(F::kGuestRflags);
  VmExit exit = normalize_exit(raw);
  if (exit.kind == ExitKind::kMsr) exit.msr = static_cast<uint32_t>(soft_.regs.gpr[kRcx]);
  if (decode<ExitReasonField>(raw.reason).entry_failure == 0) {
    launched_ = true;
    requeue_interrupted_event();
  }
  if (exit.kind == ExitKind::kInvalidState) {
    log::error("VT-x: {} (exit reason {:#x}, qualification {:#x}, guest RIP {:#x})",
               invalid_state_text(raw.reason), raw.reason, raw.qualification, soft_.regs.rip);
  }
  return exit;
}

// An exit in the middle of delivering an event through the guest's IDT (an EPT fault
// on the guest's stack, a host interrupt) leaves the event in the IDT-vectoring field
// (Vol. 3C "Information for VM Exits During Event Delivery"); it is injected again
// through the VM-entry interruption-information field. Software interrupts and exceptions are not re-queued:
// the guest RIP still points at their instruction, which simply runs again.
void VmxVcpu::requeue_interrupted_event() {
  auto info = static_cast<uint32_t>(vmread(F::kIdtVectoringInfo));
  auto event = decode<InterruptionInfo>(info);
  if (!event.valid || event.type > 3) return;
  VmcsWriter w;
  w(F::kEntryInterruptionInfo, info & ~(1u << 12) & 0x8000'0FFFu);
  if (event.error_code_valid) w(F::kEntryExceptionErrorCode, vmread(F::kIdtVectoringErrorCode));
}

}  // namespace godwit::x86::vmx
