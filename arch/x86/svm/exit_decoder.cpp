#include "arch/x86/svm/exit_decoder.h"

#include "arch/x86/svm/exit_code.h"

namespace godwit::x86::svm {
namespace {

constexpr uint64_t kMaxInstructionLength = 15;

// next - rip when it is a plausible instruction length, else 0 ("unknown").
uint8_t length_between(uint64_t rip, uint64_t next) {
  uint64_t length = next - rip;
  if (next <= rip || length > kMaxInstructionLength) return 0;
  return static_cast<uint8_t>(length);
}

uint8_t instruction_length(const ExitRecord& r) {
  // IOIO: EXITINFO2 is the RIP of the next instruction (APM 15.10.2), with or without
  // the next-RIP save feature, and IN/OUT lengths vary with prefixes and immediates.
  if (r.code == exit_code::kIoio) return length_between(r.rip, r.info2);
  uint8_t fixed = fixed_instruction_length(r.code);
  if (fixed == 0) return 0;
  return r.nrip_valid ? length_between(r.rip, r.next_rip) : fixed;
}

Permissions npf_access(NpfInfo info) {
  if (info.write()) return kAccessWrite;
  if (info.execute()) return kAccessExecute;
  return kAccessRead;
}

void decode_kind(const ExitRecord& r, VmExit& exit) {
  if (r.code >= exit_code::kExceptionFirst && r.code <= exit_code::kExceptionLast) {
    exit.kind = ExitKind::kException;
    exit.vector = static_cast<uint8_t>(r.code - exit_code::kExceptionFirst);
    return;
  }
  switch (r.code) {
    case exit_code::kVmmcall: exit.kind = ExitKind::kHypercall; return;
    case exit_code::kCpuid: exit.kind = ExitKind::kCpuid; return;
    case exit_code::kHlt: exit.kind = ExitKind::kHlt; return;
    case exit_code::kIntr:
    case exit_code::kNmi:  // a host NMI: held by GIF=0, the host takes it at STGI
      exit.kind = ExitKind::kInterrupt;
      return;
    case exit_code::kShutdown: exit.kind = ExitKind::kTripleFault; return;
    case exit_code::kIoio: {
      IoioInfo io{r.info1};
      exit.kind = ExitKind::kIo;
      exit.port = io.port();
      exit.io_size = io.size();
      exit.write = !io.in();
      return;
    }
    case exit_code::kMsr:
      exit.kind = ExitKind::kMsr;
      exit.write = r.info1 == kMsrWrite;
      return;
    case exit_code::kNpf: {
      NpfInfo npf{r.info1};
      exit.kind = ExitKind::kSecondLevelFault;
      exit.gpa = r.info2;
      exit.access = npf_access(npf);
      exit.present = npf.present();
      return;
    }
    default: exit.kind = ExitKind::kOther; return;
  }
}

}  // namespace

uint8_t fixed_instruction_length(uint64_t code) {
  switch (code) {
    case exit_code::kVmmcall: return 3;  // 0f 01 d9
    case exit_code::kCpuid: return 2;    // 0f a2
    case exit_code::kHlt: return 1;      // f4
    case exit_code::kMsr: return 2;      // 0f 32 (RDMSR) or 0f 30 (WRMSR)
    default: return 0;
  }
}

VmExit decode_exit(const ExitRecord& record) {
  VmExit exit;
  exit.raw = record.code;
  exit.qualification = record.info1;
  if (static_cast<uint32_t>(record.code) == exit_code::kInvalid) {
    exit.kind = ExitKind::kInvalidState;
    return exit;
  }
  decode_kind(record, exit);
  exit.instruction_length = instruction_length(record);
  return exit;
}

}  // namespace godwit::x86::svm
