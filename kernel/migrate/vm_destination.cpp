#include "kernel/migrate/vm_destination.h"

#include <cstring>
#include <string_view>

#include "godwit/abi.h"
#include "kernel/console/log.h"
#include "kernel/time/clock.h"
#include "kernel/vm/guests.h"

namespace godwit::migrate {

namespace {

// A NUL-terminated string field of the (already validated) header.
std::string_view field(const char* text, size_t capacity) {
  size_t length = 0;
  while (length < capacity && text[length] != '\0') ++length;
  return {text, length};
}

}  // namespace

Expected<migration::DestinationGuest*> VmDestination::create(const migration::HeaderRecord& header) {
  if (vm_ != nullptr) return fail(Error::kBusy);
  auto vm = vm::create_empty_guest(field(header.guest_name, sizeof(header.guest_name)), header.memory_bytes,
                                   field(header.command_line, sizeof(header.command_line)));
  if (!vm) return vm.failure();
  vm_ = *vm;
  vm_->migrating = true;
  return static_cast<migration::DestinationGuest*>(this);
}

Status VmDestination::set_cpuid(const x86::GuestCpuid& cpuid, uint64_t& detail) {
  if (vm_ == nullptr) return fail(Error::kState);
  if (auto problem = vm::presentable_here(cpuid); !problem.ok()) {
    log::error("incoming guest '{}': this node cannot present its CPU model {}: {} (leaf {:#x}, bits {:#x})",
               vm_->name(), cpuid.model, problem.what, problem.leaf, problem.bits);
    detail = problem.detail();
    return fail(Error::kUnsupported);
  }
  vm_->cpuid = cpuid;
  return ok();
}

Expected<uint8_t*> VmDestination::page_to_write(uint64_t gfn) {
  uint8_t* page = vm_ ? vm_->memory.page(gfn) : nullptr;
  if (page == nullptr) return fail(Error::kRange);
  return page;
}

Status VmDestination::write_zero_pages(uint64_t first, uint64_t count) {
  for (uint64_t gfn = first; gfn - first < count; ++gfn) {
    uint8_t* page = vm_ ? vm_->memory.page(gfn) : nullptr;
    if (page == nullptr) return fail(Error::kRange);
    std::memset(page, 0, kGuestPageSize);
  }
  return ok();
}

const uint8_t* VmDestination::page(uint64_t gfn) { return vm_ ? vm_->memory.page(gfn) : nullptr; }

Status VmDestination::load_state(const x86::VcpuState& vcpu, const migration::DeviceState& device) {
  if (vm_ == nullptr) return fail(Error::kState);
  if (auto status = vm_->vcpu->load(vcpu); !status) {
    log::error("incoming guest '{}': the backend refused its vCPU state: {}", vm_->name(), status.error());
    return status;
  }
  if (device.timer_deadline_ns != 0 && device.timer_deadline_ns < device.guest_time_ns) {
    return fail(Error::kInvalidArgument);
  }
  // The ABI promises a migrated guest this node's identity for it and this backend's
  // hypercall instruction (docs/abi.md, "Hypercalls"): rewrite those boot-info fields.
  abi::GuestBootInfo info;
  if (auto status = copy_from_guest(vm_->memory, abi::kBootInfoAddress,
                                    {reinterpret_cast<uint8_t*>(&info), sizeof info});
      !status) {
    return status;
  }
  info.guest_id = vm_->id;
  info.hypercall_instruction = vm::backend()->hypercall_instruction();
  if (auto status = copy_to_guest(vm_->memory, abi::kBootInfoAddress,
                                  {reinterpret_cast<const uint8_t*>(&info), sizeof info});
      !status) {
    return status;
  }
  device_ = device;
  return ok();
}

void VmDestination::start() {
  uint64_t now = clock::now_ns();
  // Guest time continues from where the source paused it: the pause is invisible.
  vm_->set_guest_time(device_.guest_time_ns, now);
  uint32_t pending = device_.console_pending_length;
  if (pending > migration::kMaxConsolePending) pending = 0;
  vm_->console.restore({reinterpret_cast<const char*>(device_.console_pending), pending},
                       device_.console_bytes);
  if (device_.timer_deadline_ns != 0) {
    vm_->wake_at_ns = now + (device_.timer_deadline_ns - device_.guest_time_ns);
    vm_->state = vm::VmState::kBlocked;
  } else {
    vm_->state = vm::VmState::kRunnable;
  }
  vm_->migrating = false;
  vm::announce_guest(*vm_, true);
}

void VmDestination::discard() {
  if (vm_ != nullptr) vm::discard_guest(*vm_);
  vm_ = nullptr;
}

}  // namespace godwit::migrate
