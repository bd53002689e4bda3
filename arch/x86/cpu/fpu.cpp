#include "arch/x86/cpu/fpu.h"

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/vcpu_state_check.h"

namespace godwit::x86 {
namespace {

constexpr uint64_t kCr0Mp = 1u << 1, kCr0Em = 1u << 2, kCr0Ts = 1u << 3;
constexpr uint64_t kCr4Osfxsr = 1u << 9, kCr4Osxmmexcpt = 1u << 10;
constexpr uint32_t kMsrEfer = 0xC000'0080;
constexpr uint64_t kEferFfxsr = 1u << 14;
constexpr uint32_t kCpuidFxsr = 1u << 24, kCpuidSse = 1u << 25, kCpuidSse2 = 1u << 26;  // CPUID.1:EDX
constexpr uint32_t kDefaultMxcsrMask = 0xFFBF;  // SDM Vol. 1 11.6.6: a saved mask of 0 means this

constinit uint32_t g_mxcsr_mask = kDefaultMxcsrMask;
constinit bool g_amd = false;

void fxsave(FxsaveArea& area) { asm volatile("fxsave64 %0" : "=m"(area)); }

void fxrstor(const FxsaveArea& area) {
  // AMD CPUs restore FIP, FDP and FOP only when FSW.ES is set, so the previous guest's
  // would stay visible to this one (APM Vol. 5 FXRSTOR; Linux's X86_BUG_FXSAVE_LEAK):
  // overwrite them with a harmless x87 load first, as Linux does.
  if (g_amd) {
    static const uint32_t zero = 0;
    asm volatile("fnclex; emms; fildl %0" ::"m"(zero));
  }
  asm volatile("fxrstor64 %0" ::"m"(area));
}

}  // namespace

Status enable_guest_fpu(const CpuFeatures& cpu) {
  CpuidResult leaf1 = cpuid(1);
  uint32_t needed = kCpuidFxsr | kCpuidSse | kCpuidSse2;
  if ((leaf1.edx & needed) != needed) return fail(Error::kUnsupported);
  g_amd = cpu.amd;
  write_cr0((read_cr0() | kCr0Mp) & ~(kCr0Em | kCr0Ts));
  write_cr4(read_cr4() | kCr4Osfxsr | kCr4Osxmmexcpt);
  if (uint64_t efer = rdmsr(kMsrEfer); efer & kEferFfxsr) wrmsr(kMsrEfer, efer & ~kEferFfxsr);
  asm volatile("fninit");
  alignas(16) FxsaveArea probe;
  fxsave(probe);
  g_mxcsr_mask = probe.mxcsr_mask != 0 ? probe.mxcsr_mask : kDefaultMxcsrMask;
  return ok();
}

uint32_t mxcsr_mask() { return g_mxcsr_mask; }

GuestFpu::~GuestFpu() {
  if (live_ == this) live_ = nullptr;
}

void GuestFpu::switch_in() {
  if (live_ == this) return;
  if (live_ != nullptr) fxsave(live_->area_);
  fxrstor(area_);
  live_ = this;
}

void GuestFpu::save(FpuState& out) {
  if (live_ == this) fxsave(area_);
  out = FpuState{};
  out.fxsave = area_;
}

std::string_view GuestFpu::problem(const FpuState& state) { return fpu_state_problem(state, g_mxcsr_mask); }

void GuestFpu::load(const FpuState& state) {
  area_ = state.fxsave;
  area_.mxcsr_mask = 0;                // the source CPU's; FXRSTOR ignores it
  if (live_ == this) live_ = nullptr;  // restored on the next entry
}

}  // namespace godwit::x86
