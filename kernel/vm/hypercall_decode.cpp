#include "kernel/vm/hypercall_decode.h"

namespace godwit::vm {

namespace {

using abi::Hypercall;
using abi::Status;
using x86::kRax;
using x86::kRdi;
using x86::kRdx;
using x86::kRsi;

bool inside_ram(uint64_t gpa, uint64_t length, uint64_t ram_bytes) {
  return gpa < ram_bytes && length <= ram_bytes - gpa;
}

}  // namespace

Status decode_hypercall(const x86::GuestRegisters& regs, uint64_t ram_bytes, HypercallRequest& out) {
  uint64_t number = regs.gpr[kRax];
  uint64_t a0 = regs.gpr[kRdi], a1 = regs.gpr[kRsi], a2 = regs.gpr[kRdx];
  if (number > static_cast<uint64_t>(Hypercall::kMigrateSelf)) return Status::kUnknownCall;
  out = HypercallRequest{};
  out.call = static_cast<Hypercall>(number);
  switch (out.call) {
    case Hypercall::kConsoleWrite:
      if (a1 == 0 || a1 > abi::kMaxConsoleWrite) return Status::kBadLength;
      if (!inside_ram(a0, a1, ram_bytes)) return Status::kBadAddress;
      out.gpa = a0;
      out.length = a1;
      return Status::kOk;
    case Hypercall::kBlockUntil:
      // Over a century of guest time is a bug in the guest, not a wish: refuse it.
      if (a0 >= abi::kMaxBlockUntilNs) return Status::kBadArgument;
      out.deadline_ns = a0;
      return Status::kOk;
    case Hypercall::kExit: out.status = a0; return Status::kOk;
    case Hypercall::kMigrateSelf:
      if (a0 == 0 || a0 > 0xFFFF'FFFFu || a1 == 0 || a1 > 0xFFFF) return Status::kBadArgument;
      if (a2 > static_cast<uint64_t>(abi::MigrateMode::kHybrid)) return Status::kBadArgument;
      out.ipv4 = static_cast<uint32_t>(a0);
      out.port = static_cast<uint16_t>(a1);
      out.mode = static_cast<abi::MigrateMode>(a2);
      return Status::kOk;
    case Hypercall::kTimeNs:
    case Hypercall::kYield: return Status::kOk;
  }
  return Status::kUnknownCall;
}

}  // namespace godwit::vm
