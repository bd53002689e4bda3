#include "arch/x86/backend/vm_exit.h"

namespace godwit::x86 {

const char* to_string(ExitKind kind) {
  switch (kind) {
    case ExitKind::kHypercall: return "hypercall";
    case ExitKind::kCpuid: return "cpuid";
    case ExitKind::kHlt: return "hlt";
    case ExitKind::kIo: return "i/o";
    case ExitKind::kMsr: return "msr";
    case ExitKind::kSecondLevelFault: return "second-level fault";
    case ExitKind::kInterrupt: return "interrupt";
    case ExitKind::kTripleFault: return "triple fault";
    case ExitKind::kInvalidState: return "invalid state";
    case ExitKind::kException: return "exception";
    case ExitKind::kOther: return "other";
    case ExitKind::kDirtyLogFull: return "dirty log full";
  }
  return "other";
}

}  // namespace godwit::x86
