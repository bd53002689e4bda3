#include "kernel/shell/system_commands.h"

#include "arch/x86/cpu/virtualization.h"
#include "kernel/machine.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/power.h"
#include "kernel/time/clock.h"
#include "kernel/version.h"
#include "lib/parse.h"

namespace godwit::shell {

void command_info(Sink& out, ShellArgs) {
  const machine::Facts& f = machine::facts();
  uint64_t ms = clock::now_ms();
  format(out, "Godwit {}\n", kVersion);
  format(out, "  CPU:      {} {}\n", std::string_view(f.cpu.vendor), std::string_view(f.cpu.brand));
  if (f.cpu.under_hypervisor) {
    format(out, "  running under a hypervisor: '{}'\n", std::string_view(f.cpu.hypervisor));
  }
  x86::describe_virtualization(out, f.cpu);
  format(out, "  memory:   {} MiB available, {} MiB free\n", f.boot.available_bytes() >> 20,
         memory::frames().free_frames() * kPageSize >> 20);
  format(out, "  TSC:      {}.{:03} MHz{}\n", f.tsc_hz / 1'000'000, f.tsc_hz / 1000 % 1000,
         f.cpu.invariant_tsc ? " (invariant)" : "");
  format(out, "  uptime:   {}.{:03} s (booted in {} ms)\n", ms / 1000, ms % 1000, f.boot_ms);
  format(out, "  command line: '{}'\n", f.boot.command_line);
}

void command_mem(Sink& out, ShellArgs) {
  const FrameAllocator& frames = memory::frames();
  const Heap& heap = memory::heap();
  uint64_t total = frames.total_frames();
  uint64_t free = frames.free_frames();
  format(out, "frames: {} free of {} managed ({} MiB free)\n", free, total, free * kPageSize >> 20);
  format(out, "heap:   {} KiB used, {} KiB free\n", heap.used_bytes() >> 10, heap.free_bytes() >> 10);
  format(out, "memory map:\n");
  for (const auto& region : machine::facts().boot.memory_map()) {
    format(out, "  {:#014x}-{:#014x} {}\n", region.base, region.base + region.length,
           region.type == multiboot2::RegionType::kAvailable ? "available" : "reserved");
  }
}

void command_halt(Sink& out, ShellArgs args) {
  uint64_t code = 0;
  if (args.size() == 2) {
    auto parsed = parse_u64(args[1]);
    if (!parsed || *parsed > 127) {
      format(out, "halt: the code must be a number from 0 to 127\n");
      return;
    }
    code = *parsed;
  }
  format(out, "halting\n");
  halt_machine(static_cast<ExitCode>(code));
}

}  // namespace godwit::shell
