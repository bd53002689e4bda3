// A VMCS in memory for host tests: fields keyed by encoding, each write cut to the
// field's width as VMWRITE cuts it (Intel SDM Vol. 3C 25.11.2: bits 14:13 of the
// encoding give 16-bit, 64-bit, 32-bit or natural width), and VMWRITE to a read-only
// field (bits 11:10 = 1) failing as it does on hardware.
#pragma once

#include <cstdint>
#include <map>

#include "arch/x86/vmx/state_transfer.h"

namespace godwit::x86::vmx::testing {

class FakeVmcs final : public VmcsAccess {
 public:
  uint64_t read(VmcsField field) override {
    auto it = fields_.find(static_cast<uint32_t>(field));
    return it == fields_.end() ? 0 : it->second;
  }
  bool write(VmcsField field, uint64_t value) override {
    auto encoding = static_cast<uint32_t>(field);
    if (((encoding >> 10) & 3) == 1) return false;  // read-only data field
    fields_[encoding] = value & width_mask(encoding);
    ++writes_;
    return true;
  }
  unsigned writes() const { return writes_; }
  bool has(VmcsField field) const { return fields_.count(static_cast<uint32_t>(field)) != 0; }

 private:
  static uint64_t width_mask(uint32_t encoding) {
    switch ((encoding >> 13) & 3) {
      case 0: return 0xFFFF;
      case 2: return 0xFFFF'FFFF;
      default: return ~uint64_t{0};  // 64-bit and natural width (on a 64-bit CPU)
    }
  }
  std::map<uint32_t, uint64_t> fields_;
  unsigned writes_ = 0;
};

}  // namespace godwit::x86::vmx::testing
