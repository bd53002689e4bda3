// `migrate` is split like a hypercall: first every word is checked (and the command
// refuses with a precise message), then the migration starts and the command waits for
// it, running the main loop so guests and the network keep going.
#include "kernel/shell/migrate_command.h"

#include "kernel/migrate/migration_service.h"
#include "kernel/vm/guests.h"
#include "lib/parse.h"

namespace godwit::shell {

using namespace godwit::migrate;  // the commands of the migrate layer

namespace {

struct MigrateRequest {
  vm::Vm* vm = nullptr;
  net::Ipv4Address address;
  uint16_t port = kDefaultPort;
  MigrateOptions options;
};

constexpr uint64_t kWaitLimitNs = 3600ull * 1'000'000'000;  // the command gives up waiting, not the migration

bool decode(Sink& out, ShellArgs args, MigrateRequest& request) {
  auto id = parse_u64(args[1]);
  request.vm = id && *id <= 0xFFFF'FFFFu ? vm::find(static_cast<uint32_t>(*id)) : nullptr;
  if (request.vm == nullptr || !request.vm->live()) {
    format(out, "migrate: no running guest with id '{}' (see 'guests')\n", args[1]);
    return false;
  }
  std::string_view target = args[2];
  size_t colon = target.find(':');
  if (colon != std::string_view::npos) {
    auto port = parse_u64(target.substr(colon + 1));
    if (!port || *port == 0 || *port > 0xFFFF) {
      format(out, "migrate: '{}' is not a TCP port\n", target.substr(colon + 1));
      return false;
    }
    request.port = static_cast<uint16_t>(*port);
    target = target.substr(0, colon);
  }
  auto address = net::parse_ipv4(target);
  if (!address) {
    format(out, "migrate: '{}' is not an IPv4 address such as 10.0.0.2\n", target);
    return false;
  }
  request.address = *address;
  if (!parse_migrate_options(args.subspan(3), request.options)) {
    format(out, "migrate: options are {}\n", kMigrateOptionsUsage);
    return false;
  }
  return true;
}

}  // namespace

void command_migrate(Sink& out, ShellArgs args) {
  MigrateRequest request;
  if (!decode(out, args, request)) return;
  uint32_t id = request.vm->id;
  auto summary = run(*request.vm, request.address, request.port, request.options, kWaitLimitNs);
  if (!summary) {
    Error e = summary.error();
    const char* why = e == Error::kBusy ? "another migration is running"
                      : e == Error::kPermission
                          ? "migration is off (no migrate_key=, or no network: see the boot log)"
                      : e == Error::kInvalidArgument ? "the guest is not running"
                      : e == Error::kUnsupported
                          ? "post-copy and hybrid do not move a guest with a network card (decision 0018)"
                          : to_string(e);
    format(out, "migrate: cannot start: {}\n", why);
    return;
  }
  const migration::MigrationSummary& s = *summary;
  if (s.outcome == migration::MigrationOutcome::kSucceeded) {
    format(out,
           "migrate: guest {} now runs at {}: {}, {} ms, {} ms downtime, {} rounds, {} KiB on the wire\n", id,
           args[2], migration::to_string(s.mode), s.total_ns / 1'000'000, s.downtime_ns / 1'000'000, s.rounds,
           s.wire_bytes >> 10);
    if (s.switched) {
      format(out, "migrate: after the switch {} pages pushed, {} fetched on demand\n", s.pages_pushed,
             s.demand_pages);
    }
  } else if (s.outcome == migration::MigrationOutcome::kFailed && s.switched) {
    format(out,
           "migrate: FAILED after the switch; guest {} cannot continue anywhere: its memory is split between "
           "this node (paused here) and the destination\n",
           id);
  } else if (s.outcome == migration::MigrationOutcome::kFailed) {
    format(out, "migrate: FAILED; guest {} keeps running here (see the log line above)\n", id);
  } else {
    format(out, "migrate: still running after an hour; its migration_summary event will tell the end\n");
  }
}

}  // namespace godwit::shell
