// The first half of every hypercall (seL4 style): decode the guest's registers into a
// request and check every argument against the guest, or refuse with the ABI status the
// guest gets back. The second half (kernel/vm/hypercalls.cpp) only carries out requests
// that passed here, so it cannot be handed a bad address or length.
// Pure code: unit-tested on the host.
#pragma once

#include <cstdint>

#include "arch/x86/vcpu_state.h"
#include "godwit/abi.h"

namespace godwit::vm {

struct HypercallRequest {
  abi::Hypercall call = abi::Hypercall::kYield;
  uint64_t gpa = 0;                                    // kConsoleWrite: text
  uint64_t length = 0;                                 // kConsoleWrite
  uint64_t deadline_ns = 0;                            // kBlockUntil: guest time
  uint64_t status = 0;                                 // kExit
  uint32_t ipv4 = 0;                                   // kMigrateSelf: a.b.c.d as a<<24 | b<<16 | c<<8 | d
  uint16_t port = 0;                                   // kMigrateSelf
  abi::MigrateMode mode = abi::MigrateMode::kPrecopy;  // kMigrateSelf
};

// RAX = number, RDI/RSI/RDX = arguments (include/godwit/abi.h). Returns kOk and fills
// `out`, or the status to hand back to the guest.
abi::Status decode_hypercall(const x86::GuestRegisters& regs, uint64_t ram_bytes, HypercallRequest& out);

}  // namespace godwit::vm
