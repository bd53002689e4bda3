#include "kernel/shell/vm_commands.h"

#include "drivers/nic/mac_address.h"
#include "kernel/console/event.h"
#include "kernel/loop/main_loop.h"
#include "kernel/migrate/settlement.h"
#include "kernel/vm/guest_images.h"
#include "kernel/vm/guest_nic.h"
#include "kernel/vm/guests.h"
#include "lib/parse.h"
#include "net/ipv4_address.h"

namespace godwit::shell {

using namespace godwit::vm;  // the commands of the vm layer

namespace {

// The live guest named by a shell argument, or nullptr after saying why.
Vm* live_guest(Sink& out, std::string_view command, std::string_view text) {
  auto id = parse_u64(text);
  Vm* vm = id && *id <= 0xFFFF'FFFFu ? find(static_cast<uint32_t>(*id)) : nullptr;
  if (vm == nullptr || !vm->live()) {
    format(out, "{}: no running guest with id '{}' (see 'guests')\n", command, text);
    return nullptr;
  }
  if (vm->migrating && migrate::awaiting_settlement(vm->id)) {
    format(out, "{}: guest {} awaits settlement of its migration: 'settle {} resume|discard' first\n",
           command, vm->id, vm->id);
    return nullptr;
  }
  if (vm->migrating) {
    format(out, "{}: guest {} is being migrated; try again when the migration is over\n", command, vm->id);
    return nullptr;
  }
  return vm;
}

// net=A.B.C.D/N and mac=..: the guest's network card. The words stay on the guest's
// command line too (the guest configures its stack from net=). False after saying why.
bool decode_nic(Sink& out, ShellArgs words, NicSpec& nic, bool& wanted) {
  wanted = false;
  for (std::string_view word : words) {
    if (word.starts_with("net=")) {
      auto address = net::parse_ipv4_interface(word.substr(4));
      std::string_view unusable = address ? net::unusable_host_address(*address) : "";
      if (!address || !unusable.empty()) {
        format(out, "new: net= takes a host address and prefix such as 10.0.0.21/24{}{}\n",
               unusable.empty() ? "" : ": ", unusable);
        return false;
      }
      nic.address = *address;
      wanted = true;
    } else if (word.starts_with("mac=")) {
      auto mac = net::parse_mac(word.substr(4));
      if (!mac || (mac->bytes[0] & 1) != 0) {
        format(out, "new: mac= takes a unicast MAC such as 02:67:00:00:01:15\n");
        return false;
      }
      nic.mac = *mac;
    }
  }
  if (nic.mac && !wanted) {
    format(out, "new: mac= needs net= as well\n");
    return false;
  }
  return true;
}

}  // namespace

void command_guests(Sink& out, ShellArgs) {
  format(out, "{:>3}  {:<10} {:<8} {:>6} {:>10} {:>9} {:>8}  {}\n", "id", "name", "state", "MiB", "exits",
         "cpu ms", "pages/s", "command line / end");
  size_t shown = 0;
  for (const Vm& vm : slots()) {
    if (vm.id == 0) continue;
    ++shown;
    bool unsettled = vm.live() && migrate::awaiting_settlement(vm.id);
    format(out, "{:>3}  {:<10} {:<8} {:>6} {:>10} {:>9} ", vm.id, vm.name(),
           unsettled ? "unsettled" : to_string(vm.state), vm.live() ? vm.memory.size_bytes() >> 20 : 0,
           vm.stats.total_exits(), vm.stats.cpu_ns / 1'000'000);
    // The smoothed dirty rate; "-" before the first second, when not logged, or while
    // a migration or dirtylog has the tracker.
    if (vm.live() && vm.dirty_logged && !vm.dirty_borrowed && vm.rate.has_rate()) {
      format(out, "{:>8}  ", vm.rate.smoothed_rate());
    } else {
      format(out, "{:>8}  ", "-");
    }
    if (unsettled) {
      format(out, "paused, awaiting settlement: 'settle {} resume|discard'\n", vm.id);
    } else if (vm.live()) {
      format(out, "{}\n", vm.command_line());
    } else {
      format(out, "{} (status {})\n", to_string(vm.end_reason), vm.exit_status);
    }
  }
  if (shown == 0) format(out, "no guests; images: ");
  if (shown == 0) {
    for (const GuestImage& image : images()) format(out, "{} ", image.name);
    format(out, "\n");
  }
}

void command_new(Sink& out, ShellArgs args) {
  const GuestImage* image = find_image(args[1]);
  if (image == nullptr) {
    format(out, "new: no guest image '{}'; images:", args[1]);
    for (const GuestImage& known : images()) format(out, " {}", known.name);
    format(out, "\n");
    return;
  }
  GuestArguments arguments;
  if (!parse_guest_arguments(args.subspan(2), arguments)) {
    format(out, "new: mem= takes a size such as 16M, and the command line must stay under 256 bytes\n");
    return;
  }
  NicSpec nic;
  bool with_nic = false;
  if (!decode_nic(out, args.subspan(2), nic, with_nic)) return;
  auto vm = create_guest({image->name, image->bytes, arguments.memory_bytes, arguments.command_line.view(),
                          with_nic ? &nic : nullptr});
  if (!vm) {
    format(out, "new: cannot start '{}': {}{}\n", args[1], vm.error(),
           vm.error() == Error::kExists ? " (its MAC or address is already on this node)" : "");
    return;
  }
  format(out, "guest {} ({}) started with {} MiB", (*vm)->id, image->name, arguments.memory_bytes >> 20);
  if ((*vm)->nic != nullptr) {
    FixedString<20> mac;
    net::format_mac(mac.sink(), (*vm)->nic->device().mac());
    FixedString<20> ip;
    net::format_ipv4(ip.sink(), nic.address.address);
    format(out, ", virtio-net {} {}/{}", mac.view(), ip.view(), nic.address.prefix);
  }
  format(out, "\n");
}

void command_start(Sink& out, ShellArgs args) {
  Vm* vm = live_guest(out, "start", args[1]);
  if (vm == nullptr) return;
  if (vm->state != VmState::kStopped) {
    format(out, "start: guest {} is {}, not stopped\n", vm->id, to_string(vm->state));
    return;
  }
  vm->state = VmState::kRunnable;
  format(out, "guest {} running\n", vm->id);
}

void command_stop(Sink& out, ShellArgs args) {
  Vm* vm = live_guest(out, "stop", args[1]);
  if (vm == nullptr) return;
  vm->state = VmState::kStopped;
  format(out, "guest {} stopped ('start {}' resumes it)\n", vm->id, vm->id);
}

void command_kill(Sink& out, ShellArgs args) {
  Vm* vm = live_guest(out, "kill", args[1]);
  if (vm == nullptr) return;
  uint32_t id = vm->id;
  end_guest(*vm, EndReason::kKilled, 0, "killed from the shell");
  format(out, "guest {} killed\n", id);
}

void command_dirtylog(Sink& out, ShellArgs args) {
  Vm* vm = live_guest(out, "dirtylog", args[1]);
  if (vm == nullptr) return;
  // Sub-second windows show a busy period on its own (e.g. `dirtylog 2 100ms`).
  auto window_ms = parse_duration_ms(args[2]);
  if (!window_ms || *window_ms < 10 || *window_ms > 600'000) {
    format(out, "dirtylog: the window must be 10ms to 600s (e.g. 250ms, 2s, 2)\n");
    return;
  }
  uint64_t range_start = 0, range_bytes = vm->memory.size_bytes();
  if (args.size() == 4) {
    format(out, "dirtylog: a range needs both an address and a size\n");
    return;
  }
  if (args.size() == 5) {
    auto start_arg = parse_u64(args[3]);
    auto bytes_arg = parse_size(args[4]);
    if (!start_arg || !bytes_arg) {
      format(out, "dirtylog: the range is a guest-physical address and a size, e.g. 0x400000 4M\n");
      return;
    }
    range_start = *start_arg;
    range_bytes = *bytes_arg;
  }
  if (auto status = start_dirty_tracking(*vm); !status) {
    format(out, "dirtylog: cannot track guest {}: {}\n", vm->id, status.error());
    return;
  }
  uint32_t id = vm->id;
  uint64_t start = main_loop::now_ns();
  // Guests (this one included) keep running while we wait; the guest may end meanwhile.
  main_loop::run_until([&] { return !vm->live() || vm->id != id; }, *window_ms * 1'000'000);
  uint64_t elapsed_ms = (main_loop::now_ns() - start) / 1'000'000;
  if (!vm->live() || vm->id != id) {
    format(out, "dirtylog: guest {} ended during the measurement\n", id);
    return;
  }
  uint64_t pages = vm->dirty.dirty_count();
  uint64_t in_range = vm->dirty.dirty_count_in(range_start, range_bytes);
  uint64_t faults = vm->dirty.faults();
  uint64_t protect_us = vm->dirty.protect_ns() / 1000;
  std::string_view mechanism = vm->dirty.mechanism();
  stop_dirty_tracking(*vm);
  format(out, "guest {} dirtied {} distinct pages ({} KiB) in {} ms", id, pages, pages * 4, elapsed_ms);
  if (args.size() == 5) format(out, "; {} of them in [{:#x}, +{:#x})", in_range, range_start, range_bytes);
  bool pml = mechanism == "pml";
  format(out, "; tracked by {} ({} {}); arming its {} MiB took {} us\n", pml ? "PML" : "write protection",
         faults, pml ? "log-full exits" : "write faults", vm->memory.size_bytes() >> 20, protect_us);
  Event e("dirtylog");
  e->field("id", id).field("pages", pages).field("faults", faults).field("ms", elapsed_ms);
  e->field("protect_us", protect_us).field("tracking", mechanism);
  if (args.size() == 5) e->field("pages_in_range", in_range);
}

// dirtyrate <id>: the logged rate; dirtyrate <id> off|on: stop or restart the logging
// of that guest (a benchmark's untracked baseline, `tools/godwit bench tracking`).
void command_dirtyrate(Sink& out, ShellArgs args) {
  Vm* vm = live_guest(out, "dirtyrate", args[1]);
  if (vm == nullptr) return;
  if (args.size() == 3 && args[2] == "off") {
    if (auto status = stop_dirty_rate_logging(*vm); !status) {
      format(out, "dirtyrate: guest {}'s tracker is in use by a migration or dirtylog\n", vm->id);
      return;
    }
  } else if (args.size() == 3 && args[2] == "on") {
    start_dirty_rate_logging(*vm);
  } else if (args.size() == 3) {
    format(out, "dirtyrate: say on or off, not '{}'\n", args[2]);
    return;
  }
  if (!vm->dirty_logged) {
    format(out, "guest {}: dirty rate not logged\n", vm->id);
  } else if (!vm->rate.has_rate()) {
    format(out, "guest {}: dirty rate logged ({}), no full second yet\n", vm->id, vm->dirty.mechanism());
  } else {
    format(out, "guest {}: {} pages/s over the last second, {} smoothed ({})\n", vm->id, vm->rate.last_rate(),
           vm->rate.smoothed_rate(), vm->dirty.mechanism());
  }
}

// tracking [pml|write-protect]: how trackers started from now on notice writes (the
// boot option dirty_tracking= sets it at boot). Running trackers keep theirs: restart
// a guest's logging (`dirtyrate <id> off`, `on`) to switch it.
void command_tracking(Sink& out, ShellArgs args) {
  if (args.size() == 2) {
    if (auto status = set_dirty_tracking(args[1]); !status) {
      format(
          out, "tracking: {}\n",
          status.error() == Error::kUnsupported ? "this node's CPU has no PML" : "say pml or write-protect");
      return;
    }
  }
  format(out, "dirty tracking: {}{}\n", dirty_tracking(),
         hardware_dirty_log() ? " (PML available)" : " (no PML on this CPU)");
}

}  // namespace godwit::shell
