// Thin wrappers around the VMX instructions (Intel SDM Vol. 3C, "VMX Instruction
// Reference"). Each returns false on VMfailInvalid (CF=1) or VMfailValid (ZF=1); after
// VMfailValid the reason is in the VM-instruction error field ("VM Instruction Error Numbers").
#pragma once

#include <cstdint>

#include "arch/x86/vmx/vmcs_fields.h"

namespace godwit::x86::vmx {

// Success is CF=0 and ZF=0 ("seta"): Vol. 3C "Conventions" of the
// VMX instruction reference.
inline bool vmxon(uint64_t region) {
  bool ok;
  asm volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(region) : "cc", "memory");
  return ok;
}

inline bool vmclear(uint64_t vmcs) {
  bool ok;
  asm volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(vmcs) : "cc", "memory");
  return ok;
}

inline bool vmptrld(uint64_t vmcs) {
  bool ok;
  asm volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(vmcs) : "cc", "memory");
  return ok;
}

inline bool vmwrite(VmcsField field, uint64_t value) {
  bool ok;
  asm volatile("vmwrite %2, %1; seta %0"
               : "=qm"(ok)
               : "r"(uint64_t{static_cast<uint32_t>(field)}), "rm"(value)
               : "cc", "memory");
  return ok;
}

// The current VMCS is always valid where Godwit reads it, so a failure reads as 0.
inline uint64_t vmread(VmcsField field) {
  uint64_t value = 0;
  asm volatile("vmread %1, %0" : "+rm"(value) : "r"(uint64_t{static_cast<uint32_t>(field)}) : "cc");
  return value;
}

// INVEPT and INVVPID types (Vol. 3C, instruction pages "INVEPT" and "INVVPID").
enum class InveptType : uint64_t { kSingleContext = 1, kAllContext = 2 };
enum class InvvpidType : uint64_t { kAddress = 0, kSingleContext = 1, kAllContext = 2 };

struct alignas(16) InvalidationDescriptor {
  uint64_t first;   // EPTP for INVEPT, VPID for INVVPID
  uint64_t second;  // 0 for INVEPT, a linear address for INVVPID type 0
};
static_assert(sizeof(InvalidationDescriptor) == 16);

inline bool invept(InveptType type, uint64_t eptp) {
  InvalidationDescriptor descriptor{eptp, 0};
  bool ok;
  asm volatile("invept %1, %2; seta %0"
               : "=qm"(ok)
               : "m"(descriptor), "r"(static_cast<uint64_t>(type))
               : "cc", "memory");
  return ok;
}

inline bool invvpid(InvvpidType type, uint16_t vpid) {
  InvalidationDescriptor descriptor{vpid, 0};
  bool ok;
  asm volatile("invvpid %1, %2; seta %0"
               : "=qm"(ok)
               : "m"(descriptor), "r"(static_cast<uint64_t>(type))
               : "cc", "memory");
  return ok;
}

}  // namespace godwit::x86::vmx
