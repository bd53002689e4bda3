// The AMD-V backend: turns SVM on, owns the permission maps, the ASIDs, the nested
// page tables and the vCPUs.
#include "arch/x86/svm/svm_backend.h"

#include <cstring>

#include "arch/x86/cpu/features.h"
#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/paging/frame_table_memory.h"
#include "arch/x86/svm/asid_pool.h"
#include "arch/x86/svm/npt_space.h"
#include "arch/x86/svm/svm_vcpu.h"
#include "include/godwit/abi.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"

namespace godwit::x86::svm {
namespace {

constexpr uint32_t kMsrEfer = 0xC000'0080;
constexpr uint32_t kMsrVmHsavePa = 0xC001'0117;  // APM 15.30.4
constexpr uint64_t kIoPermissionFrames = 3;      // 12 KiB, APM 15.10.1
constexpr uint64_t kMsrPermissionFrames = 2;     // 8 KiB, APM 15.11

Expected<uint64_t> filled_frames(uint64_t count, uint8_t fill) {
  auto frames = memory::frames().allocate(count);
  if (!frames) return frames.failure();
  std::memset(reinterpret_cast<void*>(*frames), fill, count * kPageSize);
  return *frames;
}

// CR4 and EFER bits the host CPU implements, so load() can refuse the others before
// VMRUN does (APM 15.5.1: "any MBZ bit of CR4 / EFER set").
GuestLimits host_limits() {
  GuestLimits limits;
  limits.cr4_allowed = 0x7FF;  // VME ... OSXMMEXCPT, architectural on every x86-64 CPU
  CpuidResult leaf1 = cpuid(1);
  if (leaf1.ecx & (1u << 17)) limits.cr4_allowed |= 1u << 17;  // PCIDE
  if (leaf1.ecx & (1u << 26)) limits.cr4_allowed |= 1u << 18;  // OSXSAVE
  if (cpuid(0).eax >= 7) {
    CpuidResult leaf7 = cpuid(7);
    if (leaf7.ecx & (1u << 2)) limits.cr4_allowed |= 1u << 11;   // UMIP
    if (leaf7.ebx & (1u << 0)) limits.cr4_allowed |= 1u << 16;   // FSGSBASE
    if (leaf7.ebx & (1u << 7)) limits.cr4_allowed |= 1u << 20;   // SMEP
    if (leaf7.ebx & (1u << 20)) limits.cr4_allowed |= 1u << 21;  // SMAP
    if (leaf7.ecx & (1u << 3)) limits.cr4_allowed |= 1u << 22;   // PKE
  }
  if (cpuid(0x8000'0001).edx & (1u << 20)) limits.efer_allowed |= kEferNxe;
  limits.physical_address_bits = host_physical_address_bits();
  return limits;
}

class SvmBackend final : public Backend {
 public:
  explicit SvmBackend(const SvmFeatures& features) : features_(features), asids_(features.asids) {}

  std::string_view name() const override { return "AMD-V"; }
  uint32_t hypercall_instruction() const override { return abi::kInstructionVmmcall; }
  Status enable() override;
  Expected<SecondLevelSpace*> create_space() override;
  void destroy_space(SecondLevelSpace* space) override;
  Expected<Vcpu*> create_vcpu(SecondLevelSpace& space) override;
  void destroy_vcpu(Vcpu* vcpu) override;
  // AMD-V as QEMU emulates it has no page-modification log: write protection.
  bool hardware_dirty_log() const override { return false; }

 private:
  Status allocate_shared();

  SvmFeatures features_;
  AsidPool asids_;
  VcpuShared shared_;
  bool enabled_ = false;
};

Status SvmBackend::allocate_shared() {
  auto io = filled_frames(kIoPermissionFrames, 0xFF);
  if (!io) return io.failure();
  auto msr = filled_frames(kMsrPermissionFrames, 0xFF);
  if (!msr) return msr.failure();
  auto host_state = filled_frames(1, 0);
  if (!host_state) return host_state.failure();
  shared_.io_permission_map = *io;
  shared_.msr_permission_map = *msr;
  shared_.host_state = *host_state;
  shared_.nrip_save = features_.nrip_save;
  shared_.flush_by_asid = features_.flush_by_asid;
  shared_.limits = host_limits();
  return ok();
}

Status SvmBackend::enable() {
  if (enabled_) return ok();
  if (auto status = allocate_shared(); !status) return status;
  // The CPU's own host save area for VMRUN/#VMEXIT (APM 15.30.4); software never reads it.
  auto save_area = filled_frames(1, 0);
  if (!save_area) return save_area.failure();
  wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSvme);
  wrmsr(kMsrVmHsavePa, *save_area);
  enabled_ = true;
  log::info("AMD-V enabled: {} guest ASIDs, next-RIP save {}, flush by ASID {}", features_.asids - 1,
            features_.nrip_save ? "yes" : "no", features_.flush_by_asid ? "yes" : "no");
  return ok();
}

Expected<SecondLevelSpace*> SvmBackend::create_space() {
  auto* space = new NptSpace(frame_table_memory());
  if (auto status = space->init(); !status) {
    delete space;
    return status.failure();
  }
  return static_cast<SecondLevelSpace*>(space);
}

void SvmBackend::destroy_space(SecondLevelSpace* space) {
  if (space == nullptr) return;
  auto* npt = static_cast<NptSpace*>(space);
  npt->destroy();
  delete npt;
}

Expected<Vcpu*> SvmBackend::create_vcpu(SecondLevelSpace& space) {
  if (!enabled_) return fail(Error::kState);
  // Only spaces from create_space() are NptSpaces.
  if (space.format() != PagingFormat::kNpt) return fail(Error::kInvalidArgument);
  auto asid = asids_.allocate();
  if (!asid) return asid.failure();
  auto frame = filled_frames(1, 0);
  if (!frame) {
    (void)asids_.release(*asid);
    return frame.failure();
  }
  auto* vmcb = reinterpret_cast<Vmcb*>(*frame);
  return static_cast<Vcpu*>(new SvmVcpu(vmcb, *asid, static_cast<NptSpace&>(space), shared_));
}

void SvmBackend::destroy_vcpu(Vcpu* vcpu) {
  if (vcpu == nullptr) return;
  auto* svm = static_cast<SvmVcpu*>(vcpu);
  (void)memory::frames().free(reinterpret_cast<uint64_t>(svm->vmcb()));
  (void)asids_.release(svm->asid());
  delete svm;
}

}  // namespace

Expected<Backend*> create_backend(const SvmFeatures& features) {
  if (!svm_unusable_reason(features).empty()) return fail(Error::kUnsupported);
  static SvmBackend* instance = nullptr;
  if (instance == nullptr) instance = new SvmBackend(features);
  return static_cast<Backend*>(instance);
}

}  // namespace godwit::x86::svm
