// kernel_entry: from the boot stub in long mode to the shell. Each step depends only on
// the ones before it; see docs/architecture.md, "Boot".
#include <cstdint>
#include <span>

#include "arch/x86/backend/backend.h"
#include "arch/x86/cpu/descriptors.h"
#include "arch/x86/cpu/features.h"
#include "arch/x86/cpu/interrupts.h"
#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/cpu/lapic.h"
#include "arch/x86/cpu/virtualization.h"
#include "kernel/command_table.h"
#include "kernel/console/console.h"
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/loop/main_loop.h"
#include "kernel/machine.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/migrate/migration_service.h"
#include "kernel/panic.h"
#include "kernel/shell/shell.h"
#include "kernel/time/clock.h"
#include "kernel/version.h"
#include "kernel/vm/guest_images.h"
#include "kernel/vm/guest_nic.h"
#include "kernel/vm/guests.h"
#include "kernel/vm/scheduler.h"
#include "net/net.h"

namespace godwit {

void run_global_constructors();

namespace machine {
namespace {
constinit Facts boot_facts;
}
const Facts& facts() { return boot_facts; }
Facts& mutable_facts() { return boot_facts; }
}  // namespace machine

namespace {

constexpr uint32_t kTimerHz = 1000;

std::span<const uint8_t> physical_bytes(uint64_t address, size_t size) {
  return {reinterpret_cast<const uint8_t*>(address), size};
}

multiboot2::BootInfo read_boot_info(uint32_t magic, uint32_t info_address) {
  if (magic != multiboot2::kBootloaderMagic) {
    panic("not started by a Multiboot2 boot loader (bad magic in EAX)");
  }
  auto size = multiboot2::announced_size(physical_bytes(info_address, 8));
  if (!size) panic("the Multiboot2 information has an implausible size");
  auto boot = multiboot2::parse(physical_bytes(info_address, *size));
  if (!boot) {
    log::error("Multiboot2 information rejected: {}", boot.error());
    panic("cannot read the boot information");
  }
  return *boot;
}

void log_virtualization(const x86::CpuFeatures& cpu) {
  FixedString<240> line;
  x86::summarize_virtualization(line.sink(), cpu);
  if (x86::virtualization_usable(cpu)) {
    log::info("{}", line.view());
  } else {
    log::warn("{}", line.view());
  }
}

void emit_boot_event(const machine::Facts& f) {
  Event boot("boot");
  boot->field("version", kVersion)
      .field("cpu_vendor", std::string_view(f.cpu.vendor))
      .field("mem_mib", memory::frames().free_frames() * kPageSize >> 20)
      .field("tsc_khz", f.tsc_hz / 1000)
      .field("modules", f.boot.module_count);
  boot->begin_array("features");
  std::string_view names[8];
  size_t count = x86::virtualization_feature_names(f.cpu, names);
  for (size_t i = 0; i < count; ++i) boot->value(names[i]);
  boot->end_array();
}

void on_timer(x86::TrapFrame&) { console::poll_input(); }

[[noreturn]] void idle_loop() {
  Shell shell(console::sink(), shell_commands());
  console::set_input_line(&shell);
  shell.prompt();
  for (;;) {
    while (auto c = console::read_char()) shell.feed(*c);
    main_loop::run_once();
  }
}

}  // namespace

extern "C" [[noreturn]] void kernel_entry(uint32_t magic, uint32_t info_address) {
  console::init();
  x86::init_gdt();
  x86::init_idt();
  x86::disable_legacy_pic();
  machine::Facts& facts = machine::mutable_facts();
  clock::Calibration calibration = clock::calibrate();
  facts.tsc_hz = calibration.tsc_hz;
  log::info("Godwit {} starting", kVersion);
  log::info("TSC {}.{:03} MHz (calibrated against the PIT over {} ms)", facts.tsc_hz / 1'000'000,
            facts.tsc_hz / 1000 % 1000, calibration.window_ms);

  facts.boot = read_boot_info(magic, info_address);
  auto line = CommandLine::parse(facts.boot.command_line);
  if (line) {
    facts.command_line = *line;
  } else {
    log::error("boot command line ignored ({}): '{}'", line.error(), facts.boot.command_line);
  }
  auto size = multiboot2::announced_size(physical_bytes(info_address, 8));
  if (auto status = memory::init(facts.boot, info_address, info_address + *size); !status) {
    log::error("memory set-up failed: {}", status.error());
    panic("cannot manage physical memory");
  }
  run_global_constructors();
  log::info("memory: {} MiB available in {} regions, {} modules", facts.boot.available_bytes() >> 20,
            facts.boot.region_count, facts.boot.module_count);

  facts.cpu = x86::detect_cpu_features();
  log::info("CPU: {} {}", std::string_view(facts.cpu.vendor), std::string_view(facts.cpu.brand));
  log_virtualization(facts.cpu);

  x86::lapic::init();
  x86::set_interrupt_handler(x86::kVectorTimer, on_timer);
  x86::lapic::start_periodic_timer(kTimerHz);

  (void)net::init(facts.command_line);  // logs why when it fails; the machine runs on
  main_loop::add_poller(net::poll);
  main_loop::add_poller(vm::poll_nics);
  migrate::init(facts.command_line);
  vm::register_modules(facts.boot);
  if (auto backend = x86::select_backend(facts.cpu)) {
    vm::init(**backend);
    vm::init_dirty_tracking(facts.command_line.get("dirty_tracking").value_or(""));
    vm::start_boot_guests();
    main_loop::add_poller(vm::log_dirty_rates);
    main_loop::add_poller(vm::run_next_slice);  // guests run after the host's services
  }

  facts.boot_ms = clock::now_ms();
  emit_boot_event(facts);
  log::info("ready in {} ms; type 'help' for commands", facts.boot_ms);
  idle_loop();
}

}  // namespace godwit
