#include "arch/x86/vmx/vmx_backend.h"

#include <cstring>
#include <new>

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/paging/frame_table_memory.h"
#include "arch/x86/vmx/tlb_flush.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_instructions.h"
#include "arch/x86/vmx/vmx_vcpu.h"
#include "godwit/abi.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/time/clock.h"

namespace godwit::x86::vmx {

namespace {

// The longest a guest runs without an exit when no host interrupt ends its run: the
// host tick period (1 kHz).
constexpr uint64_t kPreemptionSliceNs = 1'000'000;

Expected<uint64_t> filled_page(uint8_t byte) {
  auto frame = memory::frames().allocate();
  if (!frame) return frame.failure();
  std::memset(reinterpret_cast<void*>(*frame), byte, kPageSize);
  return *frame;
}

class VmxBackend final : public Backend {
 public:
  Status init(const VmxFeatures& features);

  std::string_view name() const override { return "VT-x"; }
  uint32_t hypercall_instruction() const override { return abi::kInstructionVmcall; }
  Status enable() override;
  Expected<SecondLevelSpace*> create_space() override;
  void destroy_space(SecondLevelSpace* space) override;
  Expected<Vcpu*> create_vcpu(SecondLevelSpace& space) override;
  void destroy_vcpu(Vcpu* vcpu) override;
  bool hardware_dirty_log() const override { return shared_.caps.pml; }

 private:
  Status enable_feature_control();
  uint16_t next_vpid();

  VcpuShared shared_;
  EptFlusher flusher_;
  bool enabled_ = false;
  uint16_t last_vpid_ = 0;
};

Status VmxBackend::init(const VmxFeatures& features) {
  shared_.caps = read_capabilities(features);
  ControlChoice choice = choose_controls(shared_.caps.controls);
  if (!choice.problem.empty()) {
    log::error("VT-x: the CPU cannot set required {} (bits {:#x})", choice.problem, choice.missing);
    return fail(Error::kUnsupported);
  }
  shared_.controls = choice.controls;
  flusher_.configure(shared_.caps.invept_single);
  uint64_t ticks = clock::converter().to_cycles(kPreemptionSliceNs) >> shared_.caps.preemption_timer_shift;
  shared_.preemption_ticks =
      static_cast<uint32_t>(ticks > 0xFFFF'FFFF ? 0xFFFF'FFFF : (ticks == 0 ? 1 : ticks));
  // All ones: every port and every MSR exits (Vol. 3C 25.6.4 and 25.6.9).
  auto a = filled_page(0xFF), b = filled_page(0xFF), msr = filled_page(0xFF);
  if (!a || !b || !msr) return fail(Error::kOutOfMemory);
  shared_.io_bitmap_a = *a;
  shared_.io_bitmap_b = *b;
  shared_.msr_bitmap = *msr;
  return ok();
}

// IA32_FEATURE_CONTROL: firmware normally locks it; if it did not, Godwit enables VMX
// outside SMX and locks it itself (Vol. 3C "Enabling and Entering VMX Operation").
Status VmxBackend::enable_feature_control() {
  uint64_t control = rdmsr(kMsrFeatureControl);
  if (control & kFeatureControlLock) {
    if (control & kFeatureControlVmxOutsideSmx) return ok();
    log::error("VT-x: the firmware locked VMX off (IA32_FEATURE_CONTROL {:#x})", control);
    return fail(Error::kUnsupported);
  }
  wrmsr(kMsrFeatureControl, control | kFeatureControlLock | kFeatureControlVmxOutsideSmx);
  return ok();
}

Status VmxBackend::enable() {
  if (enabled_) return ok();
  if (auto status = enable_feature_control(); !status) return status;
  // CR0 and CR4 must respect the fixed bits for all of VMX operation (Vol. 3D A.7, A.8).
  write_cr4(shared_.caps.fixed.cr4.apply(read_cr4() | kCr4Vmxe));
  write_cr0(shared_.caps.fixed.cr0.apply(read_cr0()));
  auto region = filled_page(0);
  if (!region) return region.failure();
  *reinterpret_cast<uint32_t*>(*region) = shared_.caps.revision;
  if (!vmxon(*region)) {
    log::error("VT-x: VMXON failed");
    (void)memory::frames().free(*region);
    return fail(Error::kState);
  }
  // Nothing from before VMXON is trusted: drop every EPT-derived translation.
  if (shared_.caps.invept_all) (void)invept(InveptType::kAllContext, 0);
  flusher_.set_vmx_on();
  enabled_ = true;
  log::info("VT-x: VMX on (VMCS revision {:#x}, VPID {}, PAT switching {}, preemption timer {}, PML {})",
            shared_.caps.revision, shared_.controls.vpid ? "on" : "off", shared_.controls.pat ? "on" : "off",
            shared_.controls.preemption_timer ? "on" : "off", shared_.caps.pml ? "usable" : "missing");
  return ok();
}

Expected<SecondLevelSpace*> VmxBackend::create_space() {
  auto* space = new SecondLevelSpace(PagingFormat::kEpt, frame_table_memory(), flusher_);
  if (auto status = space->init(); !status) {
    delete space;
    return status.failure();
  }
  return space;
}

// The root frame may come back as another space's root: translations tagged with this
// EPTP must not outlive the space.
void VmxBackend::destroy_space(SecondLevelSpace* space) {
  if (space == nullptr) return;
  flusher_.flush(*space);
  space->destroy();
  delete space;
}

// VPIDs wrap after 65535 vCPUs; reuse is safe because a destroyed space's INVEPT drops
// every translation tagged with its EPTP, whatever the VPID.
uint16_t VmxBackend::next_vpid() {
  last_vpid_ = static_cast<uint16_t>(last_vpid_ == 0xFFFF ? 1 : last_vpid_ + 1);
  return last_vpid_;
}

Expected<Vcpu*> VmxBackend::create_vcpu(SecondLevelSpace& space) {
  if (!enabled_) return fail(Error::kState);
  if (space.format() != PagingFormat::kEpt) return fail(Error::kInvalidArgument);
  auto* vcpu = new VmxVcpu(shared_, space, shared_.controls.vpid ? next_vpid() : 0);
  if (auto status = vcpu->init(); !status) {
    vcpu->release();
    delete vcpu;
    return status.failure();
  }
  return vcpu;
}

void VmxBackend::destroy_vcpu(Vcpu* vcpu) {
  if (vcpu == nullptr) return;
  auto* vmx_vcpu = static_cast<VmxVcpu*>(vcpu);
  vmx_vcpu->release();
  delete vmx_vcpu;
}

}  // namespace

Expected<Backend*> create_backend(const VmxFeatures& features) {
  if (!vmx_unusable_reason(features).empty()) return fail(Error::kUnsupported);
  alignas(VmxBackend) static uint8_t storage[sizeof(VmxBackend)];
  static VmxBackend* backend = nullptr;
  if (backend != nullptr) return static_cast<Backend*>(backend);
  auto* created = new (storage) VmxBackend();
  if (auto status = created->init(features); !status) {
    created->~VmxBackend();
    return status.failure();
  }
  backend = created;
  return static_cast<Backend*>(backend);
}

}  // namespace godwit::x86::vmx
