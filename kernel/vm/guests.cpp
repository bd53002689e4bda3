#include "kernel/vm/guests.h"

#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/paging/write_protection.h"
#include "kernel/console/console.h"
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/memory/physical_memory.h"
#include "kernel/time/clock.h"
#include "kernel/vm/guest_loader.h"
#include "kernel/vm/guest_nic.h"
#include "net/net.h"

namespace godwit::vm {

namespace {

constinit x86::Backend* the_backend = nullptr;
constinit bool force_write_protection = false;
Vm table[kMaxGuests];
uint32_t next_id = 1;

class ThisCpu final : public HostCpuid {
 public:
  x86::CpuidResult query(uint32_t leaf, uint32_t subleaf) override { return x86::cpuid(leaf, subleaf); }
};

// A free slot: never used, or holding the guest that ended longest ago.
Vm* free_slot() {
  Vm* oldest = nullptr;
  for (Vm& vm : table) {
    if (vm.id == 0) return &vm;
    if (!vm.live() && (oldest == nullptr || vm.id < oldest->id)) oldest = &vm;
  }
  return oldest;
}

Status allocate_tracker(Vm& vm) {
  size_t words = PageBitmap::words_for(vm.memory.page_count());
  uint64_t frames = (words * sizeof(uint64_t) + kPageSize - 1) / kPageSize;
  auto first = memory::frames().allocate(frames);
  if (!first) return first.failure();
  std::span<uint64_t> bits(reinterpret_cast<uint64_t*>(*first), words);
  x86::DirtyMechanism& mechanism =
      force_write_protection ? x86::write_protection() : vm.vcpu->dirty_mechanism();
  if (auto status = vm.dirty.start(*vm.space, vm.memory.size_bytes(), bits, clock::monotonic(), mechanism);
      !status) {
    (void)memory::frames().free(*first, frames);
    return status;
  }
  return ok();
}

void free_tracker(Vm& vm) {
  vm.dirty_logged = false;
  if (!vm.dirty.active()) return;
  std::span<uint64_t> bits = vm.dirty.bits();
  vm.dirty.stop();
  uint64_t frames = (bits.size() * sizeof(uint64_t) + kPageSize - 1) / kPageSize;
  (void)memory::frames().free(reinterpret_cast<uint64_t>(bits.data()), frames);
}

void release(Vm& vm) {
  delete vm.nic;  // unplugs it from the switch before its RAM goes
  vm.nic = nullptr;
  vm.dirty_borrowed = false;
  free_tracker(vm);
  if (vm.vcpu != nullptr) the_backend->destroy_vcpu(vm.vcpu);
  if (vm.space != nullptr) the_backend->destroy_space(vm.space);
  vm.vcpu = nullptr;
  vm.space = nullptr;
  vm.memory.release();
}

// Slot, RAM, space with all RAM mapped, vCPU: everything but the guest's contents.
Expected<Vm*> build(std::string_view name, uint64_t memory_bytes, std::string_view command_line) {
  if (the_backend == nullptr) return fail(Error::kUnsupported);
  Vm* vm = free_slot();
  if (vm == nullptr) return fail(Error::kBusy);
  *vm = Vm{};
  vm->set_name(name);
  vm->set_command_line(command_line);
  auto fail_with = [vm](Error error) -> Expected<Vm*> {
    release(*vm);
    *vm = Vm{};
    return fail(error);
  };
  if (auto status = vm->memory.allocate(memory_bytes); !status) return fail_with(status.error());
  auto space = the_backend->create_space();
  if (!space) return fail_with(space.error());
  vm->space = *space;
  if (auto status = vm->memory.map_into(*vm->space); !status) return fail_with(status.error());
  auto vcpu = the_backend->create_vcpu(*vm->space);
  if (!vcpu) return fail_with(vcpu.error());
  vm->vcpu = *vcpu;
  vm->id = next_id++;
  vm->state = VmState::kStopped;
  vm->set_guest_time(0, clock::now_ns());
  return vm;
}

}  // namespace

void announce_guest(const Vm& vm, bool migrated) {
  Event e("guest_start");
  e->field("id", vm.id)
      .field("name", vm.name())
      .field("mem_mib", vm.memory.size_bytes() >> 20)
      .field("backend", the_backend->name())
      .field("cmdline", vm.command_line())
      .field("migrated", migrated);
}

void discard_guest(Vm& vm) {
  release(vm);
  vm = Vm{};
}

void init(x86::Backend& backend) { the_backend = &backend; }

bool hardware_dirty_log() { return the_backend != nullptr && the_backend->hardware_dirty_log(); }

const char* dirty_tracking() {
  return hardware_dirty_log() && !force_write_protection ? "pml" : "write-protect";
}

Status set_dirty_tracking(std::string_view mechanism) {
  if (mechanism == "write-protect") {
    force_write_protection = true;
  } else if (mechanism == "pml") {
    if (!hardware_dirty_log()) return fail(Error::kUnsupported);
    force_write_protection = false;
  } else {
    return fail(Error::kInvalidArgument);
  }
  return ok();
}

void init_dirty_tracking(std::string_view option) {
  if (!option.empty()) {
    if (auto status = set_dirty_tracking(option); !status) {
      log::error("dirty_tracking={}: {} (say pml or write-protect); using {}", option,
                 status.error() == Error::kUnsupported ? "this CPU has no PML" : "unknown", dirty_tracking());
    }
  }
  if (std::string_view(dirty_tracking()) == "pml") {
    log::info("dirty tracking: PML (the CPU logs written pages; no write-protect faults)");
  } else {
    log::info("dirty tracking: write protection{}",
              hardware_dirty_log() ? " (PML available; dirty_tracking=write-protect)" : "");
  }
}
x86::Backend* backend() { return the_backend; }
std::span<Vm> slots() { return table; }

Vm* find(uint32_t id) {
  for (Vm& vm : table) {
    if (vm.id == id && id != 0) return &vm;
  }
  return nullptr;
}

CpuModelProblem presentable_here(const x86::GuestCpuid& model) {
  ThisCpu cpu;
  return cpu_model_problem(model, cpu);
}

Expected<Vm*> create_guest(const GuestSpec& spec) {
  // Every guest is shown model godwit-1, which every node of this build presents the
  // same way (docs/decisions/0011-guest-cpu-model.md); a CPU that lacks part of it
  // cannot host guests that might move.
  x86::GuestCpuid model = cpu_model_godwit1();
  if (auto problem = presentable_here(model); !problem.ok()) {
    log::error("guest '{}': this CPU cannot present CPU model {}: {} (leaf {:#x}, bits {:#x})", spec.name,
               model.model, problem.what, problem.leaf, problem.bits);
    return fail(Error::kUnsupported);
  }
  auto vm = build(spec.name, spec.memory_bytes, spec.command_line);
  if (!vm) return vm;
  (*vm)->cpuid = model;
  auto state = load_guest_image(**vm, spec.image);
  if (!state) {
    release(**vm);
    **vm = Vm{};
    return state.failure();
  }
  if (auto status = (*vm)->vcpu->load(*state); !status) {
    log::error("guest '{}': the backend refused the entry state: {}", spec.name, status.error());
    release(**vm);
    **vm = Vm{};
    return status.failure();
  }
  if (spec.nic != nullptr) {
    net::MacAddress mac = spec.nic->mac.value_or(derived_guest_mac(net::node_mac(), (*vm)->id));
    (*vm)->nic = new GuestNic(**vm, mac, spec.nic->address);
    if (auto plugged = (*vm)->nic->plug(); !plugged) {
      log::error("guest '{}': its MAC or address is already on this node's switch ({})", spec.name,
                 plugged.error());
      release(**vm);
      **vm = Vm{};
      return plugged.failure();
    }
  }
  (*vm)->state = VmState::kRunnable;
  start_dirty_rate_logging(**vm);
  announce_guest(**vm, false);
  return vm;
}

Expected<Vm*> create_empty_guest(std::string_view name, uint64_t memory_bytes,
                                 std::string_view command_line) {
  return build(name, memory_bytes, command_line);
}

void end_guest(Vm& vm, EndReason reason, uint64_t status, std::string_view detail) {
  if (!vm.live()) return;
  FixedString<40> prefix;
  vm.console_prefix(prefix);
  vm.console.flush(console::line_sink(), prefix.view());
  // An arrived guest that ends before its first slice still gets its guest_start line
  // (the scheduler writes it after that slice: Vm::announce_pending), before its exit.
  if (vm.announce_pending) {
    vm.announce_pending = false;
    announce_guest(vm, true);
  }
  vm.state = VmState::kEnded;
  vm.end_reason = reason;
  vm.exit_status = status;
  {
    Event e("guest_exit");
    e->field("id", vm.id)
        .field("name", vm.name())
        .field("reason", to_string(reason))
        .field("status", status)
        .field("detail", detail)
        .field("exits", vm.stats.total_exits())
        .field("cpu_ms", vm.stats.cpu_ns / 1'000'000);
  }
  if (reason == EndReason::kExited || reason == EndReason::kMigrated) {
    log::info("guest {} ({}) {}: {}", vm.id, vm.name(), to_string(reason), detail);
  } else {
    log::warn("guest {} ({}) ended: {}: {}", vm.id, vm.name(), to_string(reason), detail);
  }
  release(vm);
}

void start_dirty_rate_logging(Vm& vm) {
  if (vm.dirty.active()) return;
  if (auto status = allocate_tracker(vm); !status) {
    log::warn("guest {} ({}): no dirty-rate logging: {}", vm.id, vm.name(), status.error());
    return;
  }
  vm.dirty_logged = true;
  vm.rate.restart(clock::now_ns());
}

Status stop_dirty_rate_logging(Vm& vm) {
  if (vm.dirty_borrowed) return fail(Error::kBusy);
  if (vm.dirty_logged) free_tracker(vm);
  return ok();
}

bool log_dirty_rates() {
  constexpr uint64_t kInterval = 1'000'000'000;
  bool sampled = false;
  for (Vm& vm : table) {
    if (!vm.live() || !vm.dirty_logged || vm.dirty_borrowed) continue;
    uint64_t now = clock::now_ns();
    if (now - vm.rate.interval_start_ns() < kInterval) continue;
    auto pages = vm.dirty.clear(clock::monotonic());
    if (!pages) {
      log::warn("guest {} ({}): dirty-rate logging stopped: {}", vm.id, vm.name(), pages.error());
      free_tracker(vm);
      continue;
    }
    if (!vm.rate.sample(*pages, now)) continue;
    sampled = true;
    Event e("dirtyrate");
    e->field("id", vm.id)
        .field("name", vm.name())
        .field("pages_per_s", vm.rate.last_rate())
        .field("smoothed_pages_per_s", vm.rate.smoothed_rate())
        .field("pages", *pages);
  }
  return sampled;
}

Status start_dirty_tracking(Vm& vm) {
  if (vm.dirty_borrowed) return fail(Error::kBusy);
  if (vm.dirty.active()) {
    if (auto cleared = vm.dirty.clear(clock::monotonic()); !cleared) return cleared.failure();
  } else if (auto status = allocate_tracker(vm); !status) {
    return status;
  }
  vm.dirty_borrowed = true;
  return ok();
}

void stop_dirty_tracking(Vm& vm) {
  if (!vm.dirty_borrowed) return;
  vm.dirty_borrowed = false;
  if (vm.live() && vm.dirty_logged && vm.dirty.clear(clock::monotonic())) {
    vm.rate.restart(clock::now_ns());
    return;
  }
  free_tracker(vm);
}

}  // namespace godwit::vm
