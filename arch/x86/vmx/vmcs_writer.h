// Writes many VMCS fields and remembers whether any VMWRITE failed, so set-up code reads
// as a list of fields instead of a chain of checks.
#pragma once

#include <cstdint>

#include "arch/x86/vmx/vmx_instructions.h"

namespace godwit::x86::vmx {

class VmcsWriter {
 public:
  void operator()(VmcsField field, uint64_t value) {
    if (!vmwrite(field, value) && ok_) {
      ok_ = false;
      failed_field_ = static_cast<uint32_t>(field);
    }
  }
  bool ok() const { return ok_; }
  // The encoding of the first field that could not be written.
  uint32_t failed_field() const { return failed_field_; }

 private:
  bool ok_ = true;
  uint32_t failed_field_ = 0;
};

}  // namespace godwit::x86::vmx
