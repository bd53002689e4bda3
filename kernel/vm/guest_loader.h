// Turns a guest image into a guest: the ELF segments copied into the guest's RAM and
// the entry state of include/godwit/abi.h laid out around them (boot info, GDT, page
// tables), giving the vCPU state to start from.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/vcpu_state.h"
#include "kernel/vm/vm.h"
#include "lib/expected.h"

namespace godwit::vm {

// Loads the ELF `image` into vm's memory, writes its boot info (with vm's id and command
// line) and returns the vCPU state to start it with. Each failure is logged with the
// guest's name before it is returned.
Expected<x86::VcpuState> load_guest_image(Vm& vm, std::span<const uint8_t> image);

}  // namespace godwit::vm
