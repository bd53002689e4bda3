#include "kernel/vm/hypercall_decode.h"

#include <gtest/gtest.h>

namespace godwit::vm {
namespace {

using abi::Hypercall;
using abi::Status;

constexpr uint64_t kRam = 16 << 20;

x86::GuestRegisters call(Hypercall number, uint64_t a0 = 0, uint64_t a1 = 0) {
  x86::GuestRegisters regs;
  regs.gpr[x86::kRax] = static_cast<uint64_t>(number);
  regs.gpr[x86::kRdi] = a0;
  regs.gpr[x86::kRsi] = a1;
  return regs;
}

TEST(HypercallDecode, ConsoleWriteInsideRam) {
  HypercallRequest r;
  ASSERT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, 0x2000, 12), kRam, r), Status::kOk);
  EXPECT_EQ(r.call, Hypercall::kConsoleWrite);
  EXPECT_EQ(r.gpa, 0x2000u);
  EXPECT_EQ(r.length, 12u);
  ASSERT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, kRam - 4, 4), kRam, r), Status::kOk);
}

TEST(HypercallDecode, ConsoleWriteRefusals) {
  HypercallRequest r;
  EXPECT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, kRam, 1), kRam, r), Status::kBadAddress);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, kRam - 4, 5), kRam, r), Status::kBadAddress);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, ~0ull - 2, 8), kRam, r), Status::kBadAddress);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, 0x1000, 0), kRam, r), Status::kBadLength);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kConsoleWrite, 0x1000, abi::kMaxConsoleWrite + 1), kRam, r),
            Status::kBadLength);
}

TEST(HypercallDecode, UnknownNumbers) {
  HypercallRequest r;
  x86::GuestRegisters regs;
  for (uint64_t number : {6ull, 100ull, ~0ull, 1ull << 63}) {
    regs.gpr[x86::kRax] = number;
    EXPECT_EQ(decode_hypercall(regs, kRam, r), Status::kUnknownCall) << number;
  }
}

TEST(HypercallDecode, MigrateSelfArguments) {
  HypercallRequest r;
  ASSERT_EQ(decode_hypercall(call(Hypercall::kMigrateSelf, 0x0A000002, 7000), kRam, r), Status::kOk);
  EXPECT_EQ(r.ipv4, 0x0A000002u);
  EXPECT_EQ(r.port, 7000u);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kMigrateSelf, 0x0A000002, 0), kRam, r), Status::kBadArgument);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kMigrateSelf, 0x0A000002, 70000), kRam, r),
            Status::kBadArgument);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kMigrateSelf, 1ull << 32, 7000), kRam, r), Status::kBadArgument);
}

TEST(HypercallDecode, ArgumentFreeCalls) {
  HypercallRequest r;
  EXPECT_EQ(decode_hypercall(call(Hypercall::kTimeNs), kRam, r), Status::kOk);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kBlockUntil, abi::kMaxBlockUntilNs - 1), kRam, r), Status::kOk);
  EXPECT_EQ(r.deadline_ns, abi::kMaxBlockUntilNs - 1);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kBlockUntil, ~0ull), kRam, r), Status::kBadArgument);
  EXPECT_EQ(decode_hypercall(call(Hypercall::kExit, 3), kRam, r), Status::kOk);
  EXPECT_EQ(r.status, 3u);
}

}  // namespace
}  // namespace godwit::vm
