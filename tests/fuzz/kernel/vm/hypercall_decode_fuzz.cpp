// libFuzzer target for the first half of every hypercall: arbitrary guest registers
// and RAM sizes into decode_hypercall(). Besides memory safety and UB it checks the
// promise the second half relies on: an accepted request names only guest RAM and
// lengths, deadlines and addresses within the ABI's limits, and a refusal is one of
// the statuses the ABI defines.
#include <cstddef>
#include <cstdint>

#include "kernel/vm/hypercall_decode.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  x86::GuestRegisters regs;
  regs.gpr[x86::kRax] = input.take<uint8_t>() % 12;  // mostly real numbers, some past the last
  if ((regs.gpr[x86::kRax] & 8) != 0) regs.gpr[x86::kRax] = input.take<uint64_t>();
  for (uint64_t& reg : regs.gpr) {
    if (&reg != &regs.gpr[x86::kRax]) reg = input.take<uint64_t>();
  }
  uint64_t ram_bytes = input.take<uint64_t>() % (abi::kMaxMemory + 1);

  vm::HypercallRequest request;
  abi::Status status = vm::decode_hypercall(regs, ram_bytes, request);
  if (status != abi::Status::kOk) {
    FUZZ_REQUIRE(status == abi::Status::kUnknownCall || status == abi::Status::kBadLength ||
                 status == abi::Status::kBadAddress || status == abi::Status::kBadArgument);
    return 0;
  }
  FUZZ_REQUIRE(static_cast<uint64_t>(request.call) == regs.gpr[x86::kRax]);
  switch (request.call) {
    case abi::Hypercall::kConsoleWrite:
      FUZZ_REQUIRE(request.length > 0 && request.length <= abi::kMaxConsoleWrite);
      FUZZ_REQUIRE(request.gpa < ram_bytes && request.length <= ram_bytes - request.gpa);
      break;
    case abi::Hypercall::kBlockUntil: FUZZ_REQUIRE(request.deadline_ns < abi::kMaxBlockUntilNs); break;
    case abi::Hypercall::kMigrateSelf: FUZZ_REQUIRE(request.ipv4 != 0 && request.port != 0); break;
    default: break;
  }
  return 0;
}
