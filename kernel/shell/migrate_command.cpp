// `migrate` is split like a hypercall: first every word is checked (and the command
// refuses with a precise message), then the migration starts and the command waits for
// it, running the main loop so guests and the network keep going.
#include "kernel/shell/migrate_command.h"

#include "lib/parse.h"
#include "kernel/loop/main_loop.h"
#include "kernel/migrate/migration_service.h"
#include "kernel/vm/guests.h"

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
  if (request.vm->nic != nullptr) {
    // The NIC's state (kernel/vm/devices/virtio_net_state.h) is not in the stream yet.
    format(out, "migrate: guest {} has a network card, whose state migration does not carry yet\n",
           request.vm->id);
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
  for (size_t i = 3; i < args.size(); i += 2) {
    auto value = i + 1 < args.size() ? parse_u64(args[i + 1]) : Expected<uint64_t>(fail(Error::kMalformed));
    if (args[i] == "--downtime-ms" && value && *value > 0 && *value <= 60'000) {
      request.options.downtime_ms = *value;
    } else if (args[i] == "--max-rounds" && value && *value >= 1 && *value <= 1000) {
      request.options.max_rounds = static_cast<uint32_t>(*value);
    } else {
      format(out, "migrate: options are --downtime-ms 1..60000 and --max-rounds 1..1000\n");
      return false;
    }
  }
  return true;
}

}  // namespace

void command_migrate(Sink& out, ShellArgs args) {
  MigrateRequest request;
  if (!decode(out, args, request)) return;
  uint32_t id = request.vm->id;
  if (auto status = start(*request.vm, request.address, request.port, request.options); !status) {
    const char* why = status.error() == Error::kBusy         ? "another migration is running"
                      : status.error() == Error::kPermission ? "migration is off (no migrate_key=, or no network)"
                      : status.error() == Error::kInvalidArgument ? "the guest is not running"
                                                                  : to_string(status.error());
    format(out, "migrate: cannot start: {}\n", why);
    return;
  }
  main_loop::run_until([] { return !outgoing_active(); }, kWaitLimitNs);
  const migration::MigrationSummary& s = last_summary();
  if (s.outcome == migration::MigrationOutcome::kSucceeded) {
    format(out, "migrate: guest {} now runs at {}: {} ms, {} ms downtime, {} rounds, {} KiB on the wire\n", id,
           args[2], s.total_ns / 1'000'000, s.downtime_ns / 1'000'000, s.rounds, s.wire_bytes >> 10);
  } else {
    format(out, "migrate: FAILED; guest {} keeps running here (see the log line above)\n", id);
  }
}

}  // namespace godwit::shell
