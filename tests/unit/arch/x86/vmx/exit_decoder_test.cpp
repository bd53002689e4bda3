#include "arch/x86/vmx/exit_decoder.h"

#include <gtest/gtest.h>

namespace godwit::x86::vmx {
namespace {

VmExit exit_for(uint32_t reason, uint64_t qualification = 0, uint32_t length = 0) {
  RawExit raw;
  raw.reason = reason;
  raw.qualification = qualification;
  raw.instruction_length = length;
  return normalize_exit(raw);
}

TEST(NormalizeExit, InstructionExits) {
  EXPECT_EQ(exit_for(18, 0, 3).kind, ExitKind::kHypercall);
  EXPECT_EQ(exit_for(18, 0, 3).instruction_length, 3);
  EXPECT_EQ(exit_for(10, 0, 2).kind, ExitKind::kCpuid);
  EXPECT_EQ(exit_for(12, 0, 1).kind, ExitKind::kHlt);
  EXPECT_EQ(exit_for(12, 0, 1).raw, 12u);
}

TEST(NormalizeExit, IoTakesPortSizeAndDirectionFromTheQualification) {
  // OUT DX, AL to 0x3f8: size 0 (1 byte), direction 0, DX encoding, port in 31:16.
  VmExit out = exit_for(30, uint64_t{0x3F8} << 16, 1);
  EXPECT_EQ(out.kind, ExitKind::kIo);
  EXPECT_EQ(out.port, 0x3F8);
  EXPECT_EQ(out.io_size, 1);
  EXPECT_TRUE(out.write);
  // IN EAX, 0x71: size 3 (4 bytes), direction 1 (in), immediate operand.
  VmExit in = exit_for(30, (uint64_t{0x71} << 16) | (1u << 6) | (1u << 3) | 3, 2);
  EXPECT_EQ(in.port, 0x71);
  EXPECT_EQ(in.io_size, 4);
  EXPECT_FALSE(in.write);
  EXPECT_EQ(exit_for(30, 1).io_size, 2);
}

TEST(NormalizeExit, MsrDirectionFromTheReason) {
  EXPECT_EQ(exit_for(31, 0, 2).kind, ExitKind::kMsr);
  EXPECT_FALSE(exit_for(31, 0, 2).write);
  EXPECT_TRUE(exit_for(32, 0, 2).write);
  EXPECT_EQ(exit_for(32, 0, 2).msr, 0u);  // ECX is filled in by the vCPU
}

TEST(NormalizeExit, EptViolationWriteToReadOnlyPage) {
  RawExit raw;
  raw.reason = 48;
  raw.qualification = 0x2 | 0x8 | 0x20 | 0x80 | 0x100;  // write; readable+executable
  raw.guest_physical = 0x20'3000;
  VmExit exit = normalize_exit(raw);
  EXPECT_EQ(exit.kind, ExitKind::kSecondLevelFault);
  EXPECT_EQ(exit.gpa, 0x20'3000u);
  EXPECT_EQ(exit.access, kAccessWrite);
  EXPECT_TRUE(exit.present);
  EXPECT_EQ(exit.qualification, raw.qualification);
}

TEST(NormalizeExit, EptViolationOnAnUnmappedPage) {
  RawExit raw;
  raw.reason = 48;
  raw.qualification = 0x1 | 0x4;  // read and fetch, nothing allowed
  raw.guest_physical = 0x9000;
  VmExit exit = normalize_exit(raw);
  EXPECT_EQ(exit.access, kAccessRead | kAccessExecute);
  EXPECT_FALSE(exit.present);
}

TEST(NormalizeExit, FailuresAndEvents) {
  EXPECT_EQ(exit_for(49).kind, ExitKind::kInvalidState);
  EXPECT_EQ(exit_for(0x8000'0021).kind, ExitKind::kInvalidState);  // 33 with bit 31
  EXPECT_EQ(exit_for(0x8000'0022).kind, ExitKind::kInvalidState);  // 34, MSR loading
  EXPECT_EQ(exit_for(1).kind, ExitKind::kInterrupt);
  EXPECT_EQ(exit_for(52).kind, ExitKind::kInterrupt);  // VMX-preemption timer
  EXPECT_EQ(exit_for(2).kind, ExitKind::kTripleFault);
  EXPECT_EQ(exit_for(62).kind, ExitKind::kDirtyLogFull);  // page-modification log full
  EXPECT_EQ(exit_for(28).kind, ExitKind::kOther);         // CR access
  EXPECT_EQ(exit_for(28).raw, 28u);
}

TEST(NormalizeExit, ExceptionCarriesItsVector) {
  RawExit raw;
  raw.reason = 0;
  raw.interruption_info = 0x8000'0B0E;  // valid, hardware exception, error code, #PF
  VmExit exit = normalize_exit(raw);
  EXPECT_EQ(exit.kind, ExitKind::kException);
  EXPECT_EQ(exit.vector, 14);
}

TEST(NormalizeExit, IgnoresAnUndefinedInstructionLength) {
  EXPECT_EQ(exit_for(1, 0, 0xFFFF'FFFF).instruction_length, 0);
  EXPECT_EQ(exit_for(18, 0, 15).instruction_length, 15);
}

TEST(NormalizeExit, MessagesNameTheFailure) {
  EXPECT_EQ(vm_instruction_error_text(7), "VM entry with invalid control fields");
  EXPECT_EQ(vm_instruction_error_text(8), "VM entry with invalid host-state fields");
  EXPECT_EQ(invalid_state_text(0x8000'0021), "VM entry failed: invalid guest state");
  EXPECT_EQ(invalid_state_text(49), "EPT misconfiguration");
}

}  // namespace
}  // namespace godwit::x86::vmx
