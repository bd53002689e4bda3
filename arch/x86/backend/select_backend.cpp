// The one place above the backends that names them both.
#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/fpu.h"
#include "arch/x86/svm/svm_backend.h"
#include "arch/x86/vmx/vmx_backend.h"
#include "kernel/console/log.h"

namespace godwit::x86 {

Expected<Backend*> select_backend(const CpuFeatures& cpu) {
  std::string_view vmx_why = vmx_unusable_reason(cpu.vmx);
  std::string_view svm_why = svm_unusable_reason(cpu.svm);
  Expected<Backend*> backend = fail(Error::kUnsupported);
  if (!vmx_why.empty() && !svm_why.empty()) return backend;  // kernel_entry has already said why
  // Guests may use x87 and SSE (abi.h), so their state must be switchable first.
  if (auto status = enable_guest_fpu(cpu); !status) {
    log::error("guests cannot run: the CPU lacks FXSAVE, SSE or SSE2");
    return status.failure();
  }
  if (vmx_why.empty()) {
    backend = vmx::create_backend(cpu.vmx);
  } else if (svm_why.empty()) {
    backend = svm::create_backend(cpu.svm);
  } else {
    return backend;  // kernel_entry has already said why neither can run
  }
  if (!backend) {
    log::error("the {} backend did not start: {}", vmx_why.empty() ? "VT-x" : "AMD-V", backend.error());
    return backend;
  }
  if (auto status = (*backend)->enable(); !status) {
    log::error("{} could not be enabled: {}", (*backend)->name(), status.error());
    return status.failure();
  }
  log::info("guests run on {}", (*backend)->name());
  return backend;
}

}  // namespace godwit::x86
