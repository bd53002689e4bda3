#include "arch/x86/svm/exit_decoder.h"

#include <gtest/gtest.h>

#include "arch/x86/svm/exit_code.h"

namespace godwit::x86::svm {
namespace {

constexpr uint64_t kRip = 0x40'1000;

ExitRecord record(uint64_t code, uint64_t info1 = 0, uint64_t info2 = 0) {
  ExitRecord r;
  r.code = code;
  r.info1 = info1;
  r.info2 = info2;
  r.rip = kRip;
  return r;
}

TEST(ExitDecoder, VmmcallIsAHypercallOfThreeBytesWithoutNextRip) {
  VmExit exit = decode_exit(record(exit_code::kVmmcall));
  EXPECT_EQ(exit.kind, ExitKind::kHypercall);
  EXPECT_EQ(exit.instruction_length, 3);
  EXPECT_EQ(exit.raw, exit_code::kVmmcall);
}

TEST(ExitDecoder, FixedLengthsWithoutNextRip) {
  EXPECT_EQ(decode_exit(record(exit_code::kCpuid)).kind, ExitKind::kCpuid);
  EXPECT_EQ(decode_exit(record(exit_code::kCpuid)).instruction_length, 2);
  EXPECT_EQ(decode_exit(record(exit_code::kHlt)).kind, ExitKind::kHlt);
  EXPECT_EQ(decode_exit(record(exit_code::kHlt)).instruction_length, 1);
  EXPECT_EQ(decode_exit(record(exit_code::kMsr)).instruction_length, 2);
}

TEST(ExitDecoder, NextRipGivesTheLengthWhenAvailable) {
  ExitRecord r = record(exit_code::kCpuid);
  r.nrip_valid = true;
  r.next_rip = kRip + 3;  // a prefixed CPUID
  EXPECT_EQ(decode_exit(r).instruction_length, 3);
  r.next_rip = kRip + 100;  // implausible: unknown rather than a wild skip
  EXPECT_EQ(decode_exit(r).instruction_length, 0);
  r.next_rip = kRip;
  EXPECT_EQ(decode_exit(r).instruction_length, 0);
}

TEST(ExitDecoder, NonInstructionExitsHaveNoLength) {
  ExitRecord r = record(exit_code::kIntr);
  r.nrip_valid = true;
  r.next_rip = kRip + 2;
  VmExit exit = decode_exit(r);
  EXPECT_EQ(exit.kind, ExitKind::kInterrupt);
  EXPECT_EQ(exit.instruction_length, 0);
  EXPECT_EQ(decode_exit(record(exit_code::kNmi)).kind, ExitKind::kInterrupt);
}

TEST(ExitDecoder, OutOfOneByteToAPort) {
  // OUT DX, AL to 0x3f8: TYPE=0 (out), SZ8, port in 31:16; EXITINFO2 = next RIP.
  VmExit exit = decode_exit(record(exit_code::kIoio, (0x3F8ull << 16) | (1u << 4), kRip + 1));
  EXPECT_EQ(exit.kind, ExitKind::kIo);
  EXPECT_EQ(exit.port, 0x3F8);
  EXPECT_EQ(exit.io_size, 1);
  EXPECT_TRUE(exit.write);
  EXPECT_EQ(exit.instruction_length, 1);
}

TEST(ExitDecoder, InOfFourBytesWithImmediatePort) {
  // IN EAX, 0x60 is two bytes long.
  VmExit exit = decode_exit(record(exit_code::kIoio, (0x60ull << 16) | (1u << 6) | 1u, kRip + 2));
  EXPECT_EQ(exit.port, 0x60);
  EXPECT_EQ(exit.io_size, 4);
  EXPECT_FALSE(exit.write);
  EXPECT_EQ(exit.instruction_length, 2);
  EXPECT_EQ(decode_exit(record(exit_code::kIoio, (1u << 5), kRip + 2)).io_size, 2);
}

TEST(ExitDecoder, IoWithoutNextRipHasUnknownLength) {
  EXPECT_EQ(decode_exit(record(exit_code::kIoio, 1u << 4, 0)).instruction_length, 0);
}

TEST(ExitDecoder, MsrReadAndWrite) {
  VmExit read = decode_exit(record(exit_code::kMsr, 0));
  EXPECT_EQ(read.kind, ExitKind::kMsr);
  EXPECT_FALSE(read.write);
  EXPECT_EQ(read.msr, 0u);  // filled by the vCPU from ECX
  EXPECT_TRUE(decode_exit(record(exit_code::kMsr, 1)).write);
}

TEST(ExitDecoder, NestedPageFaultOnAWriteToAReadOnlyPage) {
  VmExit exit = decode_exit(record(exit_code::kNpf, 0x1ull << 32 | 0x7, 0x20'3000));
  EXPECT_EQ(exit.kind, ExitKind::kSecondLevelFault);
  EXPECT_EQ(exit.gpa, 0x20'3000u);
  EXPECT_EQ(exit.access, kAccessWrite);
  EXPECT_TRUE(exit.present);
  EXPECT_EQ(exit.instruction_length, 0);
}

TEST(ExitDecoder, NestedPageFaultReadAndFetchOfUnmappedPages) {
  VmExit read = decode_exit(record(exit_code::kNpf, 0x4, 0x9000));
  EXPECT_EQ(read.access, kAccessRead);
  EXPECT_FALSE(read.present);
  VmExit fetch = decode_exit(record(exit_code::kNpf, 0x14, 0xA000));
  EXPECT_EQ(fetch.access, kAccessExecute);
  EXPECT_FALSE(fetch.present);
}

TEST(ExitDecoder, ShutdownIsATripleFault) {
  EXPECT_EQ(decode_exit(record(exit_code::kShutdown)).kind, ExitKind::kTripleFault);
}

TEST(ExitDecoder, ExceptionsCarryTheirVector) {
  VmExit exit = decode_exit(record(exit_code::kExceptionFirst + 14, 0x2));
  EXPECT_EQ(exit.kind, ExitKind::kException);
  EXPECT_EQ(exit.vector, 14);
  EXPECT_EQ(decode_exit(record(exit_code::kExceptionLast)).vector, 31);
}

TEST(ExitDecoder, InvalidIsRecognisedByTheLow32Bits) {
  EXPECT_EQ(decode_exit(record(0xFFFF'FFFF'FFFF'FFFFull)).kind, ExitKind::kInvalidState);
  EXPECT_EQ(decode_exit(record(0xFFFF'FFFFull)).kind, ExitKind::kInvalidState);
}

TEST(ExitDecoder, EverythingElseIsOtherWithTheRawCode) {
  for (uint64_t code : {exit_code::kVmrun, exit_code::kVmload, exit_code::kStgi, exit_code::kSkinit,
                        exit_code::kInvlpga, exit_code::kXsetbv, uint64_t{0x10}}) {
    VmExit exit = decode_exit(record(code, 0x55));
    EXPECT_EQ(exit.kind, ExitKind::kOther) << code;
    EXPECT_EQ(exit.raw, code);
    EXPECT_EQ(exit.qualification, 0x55u);
  }
}

}  // namespace
}  // namespace godwit::x86::svm
