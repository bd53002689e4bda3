// `migrate` is split like a hypercall: first every word is checked (and the command
// refuses with a precise message), then the migration starts and the command waits for
// it, running the main loop so guests and the network keep going.
#include "kernel/shell/migrate_command.h"

#include "kernel/console/event.h"
#include "kernel/loop/main_loop.h"
#include "kernel/migrate/migration_service.h"
#include "kernel/migrate/settlement.h"
#include "kernel/vm/guests.h"
#include "lib/parse.h"
#include "migration/recovery_format.h"

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

// --when-quiet: runs the main loop (guests, network, the dirty-rate logger) until the
// guest's rate has stayed under the threshold for the window; says how long it waited.
// True when the migration should start now.
bool wait_until_quiet(Sink& out, vm::Vm& vm, const QuietCondition& quiet) {
  uint32_t id = vm.id;
  if (!vm.dirty_logged) {
    format(out, "migrate: guest {}'s dirty rate is not logged (see the log), so --when-quiet cannot wait\n",
           id);
    return false;
  }
  format(out, "migrate: waiting until guest {} dirties fewer than {} pages/s for {} s\n", id, quiet.max_rate,
         quiet.window_ns / 1'000'000'000);
  uint64_t start = main_loop::now_ns();
  QuietVerdict verdict = QuietVerdict::kWait;
  auto over = [&] {
    if (!vm.live() || vm.id != id) return true;
    verdict = quiet_verdict(quiet, vm.rate.quiet_ns(quiet.max_rate), main_loop::now_ns() - start);
    return verdict != QuietVerdict::kWait;
  };
  main_loop::run_until(over, kWaitLimitNs);
  uint64_t waited_ms = (main_loop::now_ns() - start) / 1'000'000;
  bool alive = vm.live() && vm.id == id;
  const char* outcome = !alive ? "ended" : verdict == QuietVerdict::kQuiet ? "quiet" : "gave-up";
  {
    Event e("migration_wait");
    e->field("id", id).field("outcome", outcome).field("waited_ms", waited_ms);
    e->field("threshold_pages_per_s", quiet.max_rate).field("window_ms", quiet.window_ns / 1'000'000);
    if (alive)
      e->field("pages_per_s", vm.rate.last_rate()).field("smoothed_pages_per_s", vm.rate.smoothed_rate());
  }
  if (!alive) {
    format(out, "migrate: guest {} ended while waiting for it to be quiet ({} ms)\n", id, waited_ms);
    return false;
  }
  if (verdict != QuietVerdict::kQuiet) {
    format(out, "migrate: gave up after waiting {} ms: guest {} still dirties {} pages/s (smoothed {})\n",
           waited_ms, id, vm.rate.last_rate(), vm.rate.smoothed_rate());
    return false;
  }
  format(out, "migrate: guest {} was quiet (under {} pages/s for {} s) after waiting {} ms\n", id,
         quiet.max_rate, quiet.window_ns / 1'000'000'000, waited_ms);
  return true;
}

// `migrate recover <id>` (the source) and `migrate abandon <id>` (either side): post-copy
// recovery (decision 0023). True when args named one of them (and it was handled).
bool recovery_command(Sink& out, ShellArgs args) {
  if (args[1] != "recover" && args[1] != "abandon") return false;
  auto id = parse_u64(args[2]);
  if (!id || *id > 0xFFFF'FFFFu || args.size() != 3) {
    format(out, "migrate: {} takes the id of a guest whose migration split: migrate {} <id>\n", args[1],
           args[1]);
    return true;
  }
  auto guest = static_cast<uint32_t>(*id);
  if (args[1] == "abandon") {
    if (!abandon(guest)) {
      format(out, "migrate: no split migration of guest {} here\n", guest);
    } else {
      format(out, "migrate: gave up guest {}'s migration; it stays paused here ('kill {}' frees it)\n", guest,
             guest);
    }
    return true;
  }
  auto summary = recover(guest, kWaitLimitNs);
  if (!summary) {
    format(out, "migrate: cannot recover: {}\n",
           summary.error() == Error::kNotFound ? "no split migration of that guest here (the source's id)"
                                               : to_string(summary.error()));
    return true;
  }
  const migration::MigrationSummary& s = *summary;
  auto verdict = static_cast<migration::RecoveryVerdict>(s.recovery_verdict);
  bool answered = s.recovery_verdict != 0xFF;
  if (answered && verdict == migration::RecoveryVerdict::kRunsHere) {
    format(out,
           "migrate: settled: guest {} runs at the destination (only COMMITTED had been lost); its copy "
           "here is gone\n",
           guest);
  } else if (answered && verdict == migration::RecoveryVerdict::kNeverRan) {
    format(out, "migrate: settled: guest {} never ran at the destination, so it runs here again\n", guest);
  } else if (answered) {
    format(out,
           "migrate: guest {} cannot continue: the destination holds nothing of its migration ({}); the copy "
           "here is stale and stays paused ('kill {}' frees it)\n",
           guest, migration::to_string(verdict), guest);
  } else if (s.outcome == migration::MigrationOutcome::kSucceeded) {
    format(out, "migrate: recovered: guest {} now runs at the destination ({} pages were missing there)\n",
           guest, s.recovered_missing);
  } else if (s.outcome == migration::MigrationOutcome::kFailed) {
    format(out,
           "migrate: recovery FAILED; guest {} is still split (paused here): 'migrate recover {}' again, or "
           "'migrate abandon {}'\n",
           guest, guest, guest);
  } else {
    format(out, "migrate: still recovering after an hour; its migration_summary event will tell the end\n");
  }
  return true;
}

}  // namespace

void command_migrate(Sink& out, ShellArgs args) {
  if (recovery_command(out, args)) return;
  MigrateRequest request;
  if (!decode(out, args, request)) return;
  uint32_t id = request.vm->id;
  if (request.options.quiet.max_rate != 0 && !wait_until_quiet(out, *request.vm, request.options.quiet))
    return;
  auto summary = run(*request.vm, request.address, request.port, request.options, kWaitLimitNs);
  if (!summary) {
    Error e = summary.error();
    const char* why = e == Error::kBusy ? "another migration is running"
                      : e == Error::kPermission
                          ? "migration is off (no migrate_key=, or no network: see the boot log)"
                      : e == Error::kInvalidArgument ? "the guest is not running"
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
    format(
        out,
        "migrate: FAILED after the switch; guest {} cannot continue anywhere: its memory is split between "
        "this node (paused here) and the destination. Once the link is back it continues: this node tries "
        "every few seconds (unless booted with migrate_recover_every=0), 'migrate recover {}' tries at once; "
        "'migrate abandon {}' gives up\n",
        id, id, id);
  } else if (s.outcome == migration::MigrationOutcome::kFailed) {
    format(out, "migrate: FAILED; guest {} keeps running here (see the log line above)\n", id);
  } else if (s.outcome == migration::MigrationOutcome::kUnsettled) {
    format(out,
           "migrate: UNSETTLED; guest {} is paused here: it may run at {}. Look there, then 'settle {} "
           "discard' if it runs there, 'settle {} resume' if not\n",
           id, args[2], id, id);
  } else {
    format(out, "migrate: still running after an hour; its migration_summary event will tell the end\n");
  }
}

void command_settle(Sink& out, ShellArgs args) {
  auto id = parse_u64(args[1]);
  bool resume = args[2] == "resume";
  if (!resume && args[2] != "discard") {
    format(out, "settle: say 'resume' (it does not run on the destination) or 'discard' (it does)\n");
    return;
  }
  if (!id || *id > 0xFFFF'FFFFu || !awaiting_settlement(static_cast<uint32_t>(*id))) {
    format(out, "settle: no guest with id '{}' awaits settlement (see 'guests')\n", args[1]);
    return;
  }
  auto status = settle(static_cast<uint32_t>(*id), resume ? Settlement::kResume : Settlement::kDiscard);
  if (!status) {
    format(out, "settle: guest {} ended meanwhile\n", *id);
    return;
  }
  format(out, "settle: guest {} {}\n", *id,
         resume ? "runs here again" : "ended here: it runs on the destination");
}

}  // namespace godwit::shell
