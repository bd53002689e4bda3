#include "kernel/vm/guest_loader.h"

// TRANSITIONAL: the ELF loader and entry-state builder arrive with the guests branch.
namespace godwit::vm {

Expected<x86::VcpuState> load_guest_image(Vm&, std::span<const uint8_t>) { return fail(Error::kUnsupported); }

}  // namespace godwit::vm
