// Fitting a VMX control field to what the CPU allows. Each capability MSR holds the
// allowed 0-settings in bits 31:0 (a 1 there means the control must be 1) and the
// allowed 1-settings in bits 63:32 (a 0 there means the control must be 0)
// (Intel SDM Vol. 3D A.3.1-A.5, and A.2 for the TRUE_ variants).
// Pure code: unit-tested on the host.
#pragma once

#include <cstdint>

namespace godwit::x86::vmx {

struct ControlFit {
  uint32_t value = 0;    // what to write into the VMCS control field
  uint32_t missing = 0;  // required bits the CPU cannot set; nonzero means unusable
  bool ok() const { return missing == 0; }
};

// `required` bits must end up set (else they are reported in `missing`); `wanted` bits
// are set only where the CPU allows; bits the CPU forces to 1 are added.
constexpr ControlFit fit_controls(uint32_t required, uint32_t wanted, uint64_t capability) {
  auto must_be_one = static_cast<uint32_t>(capability);
  auto may_be_one = static_cast<uint32_t>(capability >> 32);
  ControlFit fit;
  fit.missing = required & ~may_be_one;
  fit.value = ((required | wanted) & may_be_one) | must_be_one;
  return fit;
}

// CR0 and CR4 in VMX operation (Vol. 3D A.7, A.8): bits set in FIXED0 must be 1, bits
// clear in FIXED1 must be 0.
struct FixedBits {
  uint64_t fixed0 = 0;
  uint64_t fixed1 = ~uint64_t{0};
  constexpr bool allows(uint64_t value) const { return (value & fixed0) == fixed0 && (value & ~fixed1) == 0; }
  constexpr uint64_t apply(uint64_t value) const { return (value | fixed0) & fixed1; }
};

}  // namespace godwit::x86::vmx
