#include "kernel/shell/system_commands.h"

#include "lib/parse.h"
#include "kernel/machine.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/power.h"
#include "kernel/time/clock.h"
#include "kernel/version.h"

namespace godwit::shell {

namespace {

std::string_view yes_no(bool value) { return value ? "yes" : "no"; }

void print_vmx(Sink& out, const x86::VmxFeatures& vmx) {
  std::string_view why = x86::vmx_unusable_reason(vmx);
  if (!why.empty()) {
    format(out, "  VT-x:     unusable: {}\n", why);
    return;
  }
  format(out,
         "  VT-x:     usable: EPT yes (4-level, write-back), 2M pages {}, A/D {}, VPID {},"
         " PML {}, preemption timer {}, unrestricted guest {}\n",
         yes_no(vmx.ept_2m), yes_no(vmx.ept_ad), yes_no(vmx.vpid), yes_no(vmx.pml),
         yes_no(vmx.preemption_timer), yes_no(vmx.unrestricted_guest));
}

void print_svm(Sink& out, const x86::SvmFeatures& svm) {
  std::string_view why = x86::svm_unusable_reason(svm);
  if (!why.empty()) {
    format(out, "  AMD-V:    unusable: {}\n", why);
    return;
  }
  format(out,
         "  AMD-V:    usable: NPT yes, {} ASIDs, next-RIP save {}, VMCB clean bits {},"
         " flush by ASID {}, decode assists {}\n",
         svm.asids, yes_no(svm.nrip_save), yes_no(svm.vmcb_clean), yes_no(svm.flush_by_asid),
         yes_no(svm.decode_assists));
}

}  // namespace

void command_info(Sink& out, ShellArgs) {
  const machine::Facts& f = machine::facts();
  uint64_t ms = clock::now_ms();
  format(out, "Godwit {}\n", kVersion);
  format(out, "  CPU:      {} {}\n", std::string_view(f.cpu.vendor), std::string_view(f.cpu.brand));
  if (f.cpu.under_hypervisor) {
    format(out, "  running under a hypervisor: '{}'\n", std::string_view(f.cpu.hypervisor));
  }
  print_vmx(out, f.cpu.vmx);
  print_svm(out, f.cpu.svm);
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
