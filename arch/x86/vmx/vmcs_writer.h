// Writes many VMCS fields and remembers whether any VMWRITE failed, so set-up code reads
// as a list of fields instead of a chain of checks.
#pragma once

#include <cstdint>

#include "arch/x86/vmx/vmx_instructions.h"

namespace godwit::x86::vmx {

class VmcsWriter {
 public:
  void operator()(VmcsField field, uint64_t value) {
    if (!vmwrite(field, value) && failed_ == 0) failed_ = static_cast<uint32_t>(field) | 0x1'0000'0000ull;
  }
  bool ok() const { return failed_ == 0; }
  // The first field that could not be written.
  uint32_t failed_field() const { return static_cast<uint32_t>(failed_); }

 private:
  uint64_t failed_ = 0;
};

}  // namespace godwit::x86::vmx
