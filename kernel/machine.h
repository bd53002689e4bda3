// Facts about the machine gathered once at boot, for the shell and the backends.
#pragma once

#include "arch/x86/cpu/features.h"
#include "kernel/boot/command_line.h"
#include "kernel/boot/multiboot2.h"

namespace godwit::machine {

struct Facts {
  x86::CpuFeatures cpu;
  multiboot2::BootInfo boot;
  CommandLine command_line;
  uint64_t tsc_hz = 0;
  uint64_t boot_ms = 0;  // uptime when the shell first prompted
};

const Facts& facts();
Facts& mutable_facts();  // for kernel_entry only

}  // namespace godwit::machine
