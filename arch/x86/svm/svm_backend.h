// The AMD-V backend with nested paging (arch/x86/backend/backend.h over AMD APM Vol. 2
// chapter 15). select_backend() calls create_backend() when VT-x is not usable.
#pragma once

#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/features.h"
#include "lib/expected.h"

namespace godwit::x86::svm {

// The AMD-V backend, or kUnsupported when svm_unusable_reason(features) is non-empty.
Expected<Backend*> create_backend(const SvmFeatures& features);

}  // namespace godwit::x86::svm
