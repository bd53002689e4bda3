#include "arch/x86/svm/segment_attributes.h"

namespace godwit::x86::svm {
namespace {
constexpr uint32_t kLowByte = 0xFF;          // type, S, DPL, P: same place in both layouts
constexpr uint32_t kVmxHighNibble = 0xF000;  // AVL, L, D/B, G in VMX bits 15:12
constexpr unsigned kNibbleShift = 4;         // ... and in VMCB bits 11:8
}  // namespace

uint16_t to_vmcb_attributes(uint32_t vmx) {
  uint32_t packed = (vmx & kLowByte) | ((vmx & kVmxHighNibble) >> kNibbleShift);
  if (vmx & kVmxUnusable) packed &= ~uint32_t{kSvmPresent};
  return static_cast<uint16_t>(packed);
}

uint32_t to_vmx_access_rights(uint16_t vmcb) {
  uint32_t rights = (vmcb & kLowByte) | ((uint32_t{vmcb} << kNibbleShift) & kVmxHighNibble);
  if ((vmcb & kSvmPresent) == 0) rights |= kVmxUnusable;
  return rights;
}

}  // namespace godwit::x86::svm
