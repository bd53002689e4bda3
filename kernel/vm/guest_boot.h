// The guest's world at its first instruction, exactly as include/godwit/abi.h ("Entry
// state and memory layout") and docs/abi.md promise it: boot information, a GDT with a
// TSS, identity page tables, and the initial vCPU state that goes with them.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86/vcpu_state.h"
#include "kernel/vm/guest_ram.h"
#include "lib/expected.h"

namespace godwit {

struct GuestBootParams {
  uint64_t entry = 0;       // ElfImage::entry()
  uint64_t free_start = 0;  // ElfImage::end(): first page-aligned byte after the image
  uint32_t guest_id = 0;
  uint32_t hypercall_instruction = 0;  // Backend::hypercall_instruction()
  std::string_view command_line;       // shorter than abi::kMaxCommandLine, no NUL
};

// Writes the boot info page, the GDT page and the page tables into `ram` (whose size is
// the guest's memory size) and returns the vCPU state for the first entry. The rest of
// RAM is left alone: the caller hands over zeroed RAM with the image already loaded.
// kInvalidArgument (nothing written) when the memory size is not a multiple of 2 MiB in
// [abi::kMinMemory, abi::kMaxMemory], the command line is too long or holds a NUL, the
// hypercall instruction is unknown, or entry/free_start do not describe an image in RAM.
Expected<x86::VcpuState> prepare_guest(GuestRam& ram, const GuestBootParams& params);

}  // namespace godwit
