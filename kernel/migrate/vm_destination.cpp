#include "kernel/migrate/vm_destination.h"

#include <cstring>
#include <string_view>

#include "godwit/abi.h"
#include "kernel/console/log.h"
#include "kernel/time/clock.h"
#include "kernel/vm/devices/virtio_net_state.h"
#include "kernel/vm/guest_nic.h"
#include "kernel/vm/guests.h"
#include "lib/text_field.h"
#include "net/net.h"

namespace godwit::migrate {

static_assert(migration::kNetDeviceStateBytes == devices::kVirtioNetStateBytes,
              "NET_DEVICE carries virtio_net_state.h's encoding: change the stream with it");

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
  // The peer chose these bytes: only printable ASCII reaches console prefixes, `guests`
  // and log lines (issue 15, finding 10).
  char name[vm::Vm::kMaxName + 1];
  char command_line[vm::Vm::kMaxCommandLine];
  auto vm = vm::create_empty_guest(
      copy_printable_to_field(name, field(header.guest_name, sizeof(header.guest_name)), false),
      header.memory_bytes,
      copy_printable_to_field(command_line, field(header.command_line, sizeof(header.command_line)), true));
  if (!vm) return vm.failure();
  vm_ = *vm;
  vm_->migrating = true;
  holds_data_ = PageBitmap(holds_data_bits_, vm_->memory.page_count());
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
  uint8_t* page = live() ? vm_->memory.page(gfn) : nullptr;
  if (page == nullptr) return fail(Error::kRange);
  (void)holds_data_.mark(gfn);
  return page;
}

// The guest's RAM starts zeroed (create_empty_guest), so only pages written with data
// since need clearing: a zero run costs a walk of the bitmap a word at a time plus one
// memset per data page it overwrites, and each data page took 4 KiB on the wire. A run
// of zero pages can no longer ask for more work than the bytes that came before it
// (issue 15, finding 6).
Status VmDestination::write_zero_pages(uint64_t first, uint64_t count) {
  if (vm_ == nullptr || first >= vm_->memory.page_count() || vm_->memory.page_count() - first < count) {
    return fail(Error::kRange);
  }
  Status status = ok();
  holds_data_.take_range(first, count, [&](uint64_t gfn) {
    uint8_t* page = vm_->memory.page(gfn);
    if (page == nullptr) {
      status = fail(Error::kRange);
      return;
    }
    std::memset(page, 0, kGuestPageSize);
  });
  return status;
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
  device_ = device;
  // Post-copy: the page is not here yet; it is rewritten as it arrives (map_page).
  if (present_ != nullptr && !present_->test(abi::kBootInfoAddress / kGuestPageSize)) {
    boot_info_pending_ = true;
    return ok();
  }
  return rewrite_boot_info();
}

// The ABI promises a migrated guest this node's identity for it and this backend's
// hypercall instruction (docs/abi.md, "Hypercalls"): rewrite those boot-info fields.
Status VmDestination::rewrite_boot_info() {
  abi::GuestBootInfo info{};
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
  boot_info_pending_ = false;
  return ok();
}

Status VmDestination::load_nic(const migration::NetDeviceRecord& record) {
  if (vm_ == nullptr || vm_->nic != nullptr) return fail(Error::kState);
  auto state = devices::decode_virtio_net_state(record.state);
  if (!state) {
    log::error("incoming guest '{}': its network card's state is malformed ({})", vm_->name(), state.error());
    return state.failure();
  }
  net::MacAddress mac;
  std::memcpy(mac.bytes, record.mac, sizeof mac.bytes);
  if (std::memcmp(state->mac.bytes, mac.bytes, sizeof mac.bytes) != 0) {
    log::error("incoming guest '{}': its card's MAC and its device state's MAC differ", vm_->name());
    return fail(Error::kMalformed);
  }
  net::Ipv4Interface address;
  std::memcpy(address.address.bytes, record.ipv4, sizeof record.ipv4);
  address.prefix = record.prefix;
  if (std::string_view why = net::unusable_host_address(address); !why.empty()) {
    log::error("incoming guest '{}': its card's address cannot be a host's: {}", vm_->name(), why);
    return fail(Error::kMalformed);
  }
  // Checked now so that start() can plug it in without failing.
  if (auto free = net::guest_switch().identity_free(mac, address.address); !free) {
    log::error("incoming guest '{}': its MAC or address is already on this node's switch", vm_->name());
    return free;
  }
  vm_->nic = new vm::GuestNic(*vm_, mac, address);
  if (auto loaded = vm_->nic->load(*state); !loaded) {
    log::error("incoming guest '{}': its network card's state does not fit its memory ({})", vm_->name(),
               loaded.error());
    return loaded;  // discard() frees the card with the guest
  }
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
  // Post-copy: it stays the migration's until every page is here (finish_postcopy), and
  // its dirty-rate logging starts then.
  if (vm_->absent_pages == nullptr) {
    vm_->migrating = false;
    vm::start_dirty_rate_logging(*vm_);
  }
  if (vm_->nic != nullptr) {
    // identity_free was checked in load_nic; in post-copy a READY/GO round trip has passed
    // since, in which the shell could have taken the MAC or address: then the guest runs
    // unreachable, and says so.
    if (auto plugged = vm_->nic->plug(); !plugged) {
      log::error("guest '{}': could not join this node's switch ({}): it is unreachable", vm_->name(),
                 plugged.error());
    } else {
      vm_->nic->start_announcing(now);
      // Post-copy: the rings first, so that the first frames after GO are not dropped
      // for want of them (decision 0024).
      if (vm_->absent_pages != nullptr) vm_->nic->fetch_ring_pages();
    }
  }
  vm_->announce_pending = true;  // guest_start after its first slice (Vm::announce_pending)
}

// Called before load_state, so that load_state knows which pages are absent.
Status VmDestination::enter_postcopy(const PageBitmap& present) {
  if (!live() || receiver_ == nullptr) return fail(Error::kState);
  // Run by run of absent pages, one walk per leaf table and one flush in all: this is
  // inside the pause, and a page at a time (a walk and a flush each) was O(memory) walks
  // (decision 0025). The guest never ran in this space, so no TLB holds its entries; the
  // flush is kept anyway.
  uint64_t pages = vm_->memory.page_count();
  for (uint64_t gfn = 0; gfn < pages;) {
    if (present.test(gfn)) {
      ++gfn;
      continue;
    }
    uint64_t end = present.find_next(gfn);
    if (end > pages) end = pages;
    if (auto status = vm_->space->unmap_range(gfn * kGuestPageSize, (end - gfn) * kGuestPageSize); !status)
      return status;
    gfn = end;
  }
  present_ = &present;
  vm_->absent_pages = this;
  return ok();
}

Status VmDestination::map_page(uint64_t gfn) {
  if (!live()) return fail(Error::kState);
  uint8_t* page = vm_->memory.page(gfn);
  if (page == nullptr) return fail(Error::kRange);
  if (boot_info_pending_ && gfn == abi::kBootInfoAddress / kGuestPageSize) {
    if (auto status = rewrite_boot_info(); !status) return status;  // before the guest can see it
  }
  // Widening: no flush needed (no TLB caches a missing entry).
  if (auto status = vm_->space->map(gfn * kGuestPageSize, reinterpret_cast<uint64_t>(page), x86::kAccessAll);
      !status) {
    return status;
  }
  if (uint64_t waited = vm::page_arrived(*vm_, gfn, clock::now_ns()); waited != 0)
    fault_waits_.record(waited);
  return ok();
}

void VmDestination::finish_postcopy() {
  if (!live()) return;
  vm_->absent_pages = nullptr;
  present_ = nullptr;
  vm_->migrating = false;
  vm::start_dirty_rate_logging(*vm_);
}

// The source is gone (or the link stayed down too long) after the guest ran here: what it
// wrote here exists nowhere else, and what it has not received exists only there. Keep
// it, paused, and say so; `kill` frees it.
// It stays `migrating` (the shell's `start` cannot run it, a new migration cannot take
// it): its missing pages can still come, over a recovery connection (decision 0023).
void VmDestination::strand() {
  if (!live()) return;
  vm_->absent_pages = nullptr;
  stranded_present_ = present_;
  present_ = nullptr;
  state_before_strand_ = vm_->state;
  vm_->state = vm::VmState::kStopped;
  log::error(
      "guest {} ('{}') is paused: the migration failed after the switch and pages it needs "
      "are still on the source; it cannot continue unless the source recovers the migration "
      "('migrate recover' there; 'migrate abandon {}' here gives up, then 'kill {}' frees it)",
      vm_->id, vm_->name(), vm_->id, vm_->id);
}

// A recovery connection continues the migration: the guest runs again as it stood (a
// vCPU that waited for a page waits on, and runs when the page comes).
Status VmDestination::rejoin() {
  if (!live() || stranded_present_ == nullptr) return fail(Error::kState);
  present_ = stranded_present_;
  vm_->absent_pages = this;
  vm_->state = state_before_strand_;
  log::info("guest {} ('{}') runs again: the migration is being recovered", vm_->id, vm_->name());
  return ok();
}

// The migration was given up (`migrate abandon`): the guest stays paused, for good.
void VmDestination::abandon() {
  if (!live()) return;
  vm_->migrating = false;
  vm_ = nullptr;
}

bool VmDestination::fetch(uint64_t gfn) { return receiver_ != nullptr && receiver_->request_page(gfn); }

bool VmDestination::present(uint64_t gfn) const { return present_ == nullptr || present_->test(gfn); }

void VmDestination::discard() {
  if (vm_ != nullptr) vm::discard_guest(*vm_);
  vm_ = nullptr;
}

}  // namespace godwit::migrate
