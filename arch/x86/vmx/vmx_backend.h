// The Intel VT-x backend with EPT (Intel SDM Vol. 3C chapters 24-29), behind the
// interface of arch/x86/backend/backend.h.
#pragma once

#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/features.h"
#include "lib/expected.h"

namespace godwit::x86::vmx {

// The VT-x backend, or kUnsupported when vmx_unusable_reason(features) is non-empty.
Expected<Backend*> create_backend(const VmxFeatures& features);

}  // namespace godwit::x86::vmx
