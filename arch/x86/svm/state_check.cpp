// state_rejection(): the common rules every backend applies (arch/x86/vcpu_state_check.h),
// then the VMRUN consistency checks of APM Vol. 2 15.5.1 that depend on this CPU or on
// the VMCB layout, plus the ones QEMU's software SVM adds (it refuses a 64-bit code segment with both L and D
// set), each with the message a person reads.
#include "arch/x86/svm/segment_attributes.h"
#include "arch/x86/svm/state_transfer.h"
#include "arch/x86/vcpu_state_check.h"

namespace godwit::x86::svm {
namespace {

constexpr uint32_t kVmxLong = 1u << 13, kVmxDefaultBig = 1u << 14;

std::string_view limits_rejection(const VcpuState& s, const GuestLimits& limits) {
  if (s.cr4 & ~limits.cr4_allowed) return "CR4 sets a bit this CPU does not offer guests";
  if ((s.efer & ~kEferSvme) & ~limits.efer_allowed) return "EFER sets a reserved or unsupported bit";
  return {};
}

std::string_view mode_rejection(const VcpuState& s) {
  if (!(s.efer & kEferLma)) return {};
  if (!(s.cr4 & kCr4Pae)) return "long mode needs CR4.PAE";
  if ((s.cs.attributes & kVmxLong) && (s.cs.attributes & kVmxDefaultBig)) {
    return "CS has both L and D set (a 64-bit code segment needs D=0)";
  }
  return {};
}

// The VMCB has no "unusable" bit (segment_attributes.h): CS would be loaded not present.
std::string_view register_rejection(const VcpuState& s) {
  if (s.cs.attributes & kVmxUnusable) return "CS must be usable";
  return {};
}

}  // namespace

std::string_view state_rejection(const VcpuState& state, const GuestLimits& limits) {
  if (auto reason = common_state_problem(state, limits.physical_address_bits); !reason.empty()) return reason;
  if (auto reason = limits_rejection(state, limits); !reason.empty()) return reason;
  if (auto reason = mode_rejection(state); !reason.empty()) return reason;
  return register_rejection(state);
}

}  // namespace godwit::x86::svm
