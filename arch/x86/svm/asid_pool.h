// Address-space identifiers for guests (APM Vol. 2 15.16): ASID 0 is the host's, so
// guests get 1 .. count-1, one per vCPU, so that TLB entries of different vCPUs never
// mix and a flush can name one vCPU. QEMU's software SVM offers 16; hardware offers
// thousands, of which Godwit uses at most kCapacity.
// Pure code.
#pragma once

#include <cstdint>

#include "lib/expected.h"

namespace godwit::x86::svm {

class AsidPool {
 public:
  static constexpr uint32_t kCapacity = 256;

  // `count` is CPUID 8000_000Ah:EBX, the number of ASIDs including the host's.
  explicit AsidPool(uint32_t count) : count_(count < kCapacity ? count : kCapacity) {}

  // The lowest free guest ASID; kBusy when every one is taken.
  Expected<uint32_t> allocate();
  // Returns an ASID from allocate(); kInvalidArgument for anything else.
  Status release(uint32_t asid);
  uint32_t in_use() const { return in_use_; }

 private:
  bool test(uint32_t asid) const { return (used_[asid / 64] >> (asid % 64)) & 1; }

  uint32_t count_;
  uint32_t in_use_ = 0;
  uint64_t used_[kCapacity / 64] = {};
};

}  // namespace godwit::x86::svm
