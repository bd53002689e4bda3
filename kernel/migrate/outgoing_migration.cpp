#include "kernel/migrate/outgoing_migration.h"

#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/migrate/nonce.h"
#include "kernel/vm/guests.h"
#include "lib/text_field.h"
#include "migration/recovery_format.h"

namespace godwit::migrate {

OutgoingMigration::OutgoingMigration(vm::Vm& vm, const MigrateOptions& options, std::string_view destination,
                                     std::span<const uint8_t> key, std::span<uint8_t> record,
                                     std::span<uint64_t> send_set, std::span<uint64_t> digest_terms,
                                     migration::Clock& clock)
    : config_(configure(vm, options, key)),
      source_(vm),
      sender_(config_, source_, channel_, clock, record, send_set, digest_terms, this) {
  copy_to_field(destination_, destination);
}

// Only what this node knows (names, backend) and what the user chose; every tunable
// not chosen keeps its default from migration/ (SenderConfig, PrecopyParameters).
migration::SenderConfig OutgoingMigration::configure(vm::Vm& vm, const MigrateOptions& options,
                                                     std::span<const uint8_t> key) {
  migration::SenderConfig config;
  config.key = key;
  config.guest_name = copy_to_field(name_, vm.name()).data();
  config.command_line = copy_to_field(command_line_, vm.command_line()).data();
  config.backend_name = vm::backend()->name().data();  // a string literal
  config.cpuid = vm.cpuid;
  config.policy = options.policy;
  config.verify = options.verify;
  config.stall_timeout_ns = migration::stall_timeout_for(vm.memory.size_bytes(), config.stall_timeout_ns);
  config.protection = options.protection;
  fill_nonce(config.nonce);
  config.mode = options.mode;
  if (options.postcopy_timeout_ns != 0) config.postcopy_stall_timeout_ns = options.postcopy_timeout_ns;
  return config;
}

void OutgoingMigration::on_connected(net::TcpStream&) {
  connected_ = true;
  if (!recovering_) return sender_.start();
  uint8_t nonce[migration::kNonceSize];
  fill_nonce(nonce);
  (void)sender_.resume(nonce);  // awaiting_recovery() held when recover() connected
}

// A new connection to the same destination, which continues the split migration.
Status OutgoingMigration::recover(bool quiet) {
  if (!awaiting_recovery()) return fail(Error::kState);
  recovering_ = true;
  quiet_ = quiet;
  connected_ = false;
  connect_failure_ = nullptr;
  channel_.reopen();
  if (auto status = stream_.connect(address_, port_); !status) return status;
  finished_ = false;
  return ok();
}

void OutgoingMigration::give_up_connecting() {
  if (!recovery_connecting()) return;
  stream_.abort();  // no on_closed for a connection this side aborts
  if (!quiet_ || waiter_ != nullptr) {
    connect_failure_ = "no answer";
    return finish(sender_.summary());
  }
  finished_ = true;
}

void OutgoingMigration::on_closed(net::TcpStream&, net::TcpEnd why) {
  if (recovering_ && !connected_) {  // the recovery's connection never opened: still split
    if (quiet_ && waiter_ == nullptr) {
      finished_ = true;  // reported as split already; the service tries again later
      return;
    }
    connect_failure_ = net::describe(why).data();
    return finish(sender_.summary());
  }
  if (sender_.started()) return sender_.on_channel_closed();
  // Never connected: the guest was not touched, and the sender never started.
  connect_failure_ = net::describe(why).data();  // a string literal
  migration::MigrationSummary summary;
  summary.outcome = migration::MigrationOutcome::kFailed;
  summary.failure = migration::fault(migration::StreamError::kChannelFailed);
  finish(summary);
}

void OutgoingMigration::on_round(const migration::RoundStats& round) {
  {
    Event e("migration_round");
    migration::write_round_fields(e.json(), round);
  }
  log::info("migrate: round {}{}: {} pages ({} zero), {} dirtied meanwhile, {} KiB on the wire in {} ms",
            round.round, round.final ? " (final, guest paused)" : "", round.pages_sent, round.zero_pages,
            round.pages_dirtied, round.wire_bytes >> 10, round.duration_ns / 1'000'000);
}

// The point of no return: from here the guest never resumes here unless the
// destination's sealed NACK says it discarded its copy.
void OutgoingMigration::on_commit() {
  Event e("migration_commit");
  e->field("id", source_.id()).field("to", destination_);
}

// The one place a migration's end is reported: the event, the log line, the waiter.
void OutgoingMigration::finish(const migration::MigrationSummary& s) {
  finished_ = true;
  if (s.outcome != migration::MigrationOutcome::kSucceeded) {
    // A split guest stays the migration's while it may be recovered: `start` must not
    // run the copy here while the destination holds newer pages.
    if (!sender_.recoverable()) source_.let_go();
    // Nothing more goes to that peer: a reset gives lwIP's pcb and the unacknowledged
    // send buffer (up to TCP_SND_BUF of its heap) back now, instead of retransmitting
    // to a dead destination for minutes (issue 15, finding 11).
    stream_.abort();
  } else {
    stream_.close();
  }
  {
    Event e("migration_summary");
    e->field("id", source_.id()).field("to", destination_);
    migration::write_summary_fields(e.json(), s);
    if (connect_failure_ != nullptr) e->field("connect", connect_failure_);
  }
  auto verdict = static_cast<migration::RecoveryVerdict>(s.recovery_verdict);
  if (s.recovery_verdict != 0xFF && verdict == migration::RecoveryVerdict::kRunsHere) {
    log::info(
        "migrate: guest {} runs at {}, which says COMMIT had arrived (only COMMITTED was lost); its copy "
        "here is gone",
        source_.id(), destination_);
  } else if (s.recovery_verdict != 0xFF && verdict == migration::RecoveryVerdict::kNeverRan) {
    log::warn("migrate: guest {} runs here again: {} says it never ran there (discarded before GO arrived)",
              source_.id(), destination_);
  } else if (s.recovery_verdict != 0xFF) {
    log::error(
        "migrate: guest {} cannot continue: {} holds nothing of its migration ({}); the copy here is "
        "stale and stays paused ('kill {}' frees it)",
        source_.id(), destination_, migration::to_string(verdict), source_.id());
  } else if (s.outcome == migration::MigrationOutcome::kSucceeded) {
    log::info("migrate: guest {} moved to {}: {} ms in all, {} ms paused, {} rounds, {} KiB on the wire",
              source_.id(), destination_, s.total_ns / 1'000'000, s.downtime_ns / 1'000'000, s.rounds,
              s.wire_bytes >> 10);
  } else if (s.outcome == migration::MigrationOutcome::kUnsettled) {
    FixedString<200> reason;
    migration::write_fault(reason.sink(), s.failure);
    log::warn("migrate: guest {} is paused here, awaiting settlement: COMMIT went to {} but {}", source_.id(),
              destination_, reason.view());
  } else if (sender_.recoverable()) {
    FixedString<200> reason;
    if (connect_failure_ != nullptr) {
      format(reason, "cannot connect: {}", connect_failure_);
    } else {
      migration::write_fault(reason.sink(), s.failure);
    }
    log::warn(
        "migrate: guest {} is split between here (paused) and {} after the switch: {}; this node tries to "
        "continue it every few seconds (migrate_recover_every=), 'migrate recover {}' tries now, 'migrate "
        "abandon {}' gives up",
        source_.id(), destination_, reason.view(), source_.id(), source_.id());
  } else {
    FixedString<200> reason;
    if (connect_failure_ != nullptr) {
      format(reason, "cannot connect: {}", connect_failure_);
    } else {
      migration::write_fault(reason.sink(), s.failure);
    }
    log::warn("migrate: guest {} stays here, the migration to {} failed: {}", source_.id(), destination_,
              reason.view());
  }
  // Once: a split migration outlives its waiter (the shell's `migrate` has returned), and
  // only `migrate recover` names a new one.
  if (waiter_ != nullptr) *waiter_ = s;
  waiter_ = nullptr;
}

}  // namespace godwit::migrate
