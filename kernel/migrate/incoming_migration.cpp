#include "kernel/migrate/incoming_migration.h"

#include "kernel/console/event.h"
#include "kernel/migrate/nonce.h"

namespace godwit::migrate {

using migration::MigrationReceiver;

void IncomingMigration::start() {
  started_ = true;
  // The source's last records (state, END) are small: a delayed ACK of the segment
  // before them would hold them, paused, for up to lwIP's 250 ms timer.
  stream_.set_quick_ack(true);
  if (recovery_pending_) {
    recovery_pending_ = false;
    uint8_t nonce[migration::kNonceSize];
    fill_nonce(nonce);
    (void)receiver_.resume(nonce);  // it was parked: awaiting_recovery() held
  }
  receiver_.start();
}

void IncomingMigration::pump() {
  // The stream is open only once the acceptor has returned it: start then.
  if (!started_ && stream_.open()) start();
  if (started_) receiver_.pump();
  if (started_) report_progress();
}

// A migration_progress @event as each ROUND arrives, when END arrives in verify mode
// (the destination then hashes all memory before its verdict) and when VERIFIED, the
// verdict, is queued (the guest then waits for COMMIT): the steps a fault
// injector (tools/godwitlib/faults.py) waits for. Read from the receiver's counters only.
void IncomingMigration::report_progress() {
  const migration::ReceiverStats& stats = receiver_.stats();
  if (stats.rounds > rounds_reported_) {
    rounds_reported_ = stats.rounds;
    Event e("migration_progress");
    e->field("step", "round").field("round", stats.rounds - 1).field("pages", stats.pages_received);
  }
  if (stats.verify && !end_reported_) {
    end_reported_ = true;
    Event e("migration_progress");
    e->field("step", "end").field("pages", stats.pages_received);
  }
  if (stats.verified_sent && !verified_reported_) {  // the verdict; the guest waits for COMMIT
    verified_reported_ = true;
    Event e("migration_progress");
    e->field("step", "verified").field("pages", stats.pages_received);
  }
}

// A peer that does not wait for CHALLENGE (an attacker's relay replaying a recording)
// has its first segments handled in the same network poll as the handshake's last ACK,
// before pump() has run: they start the receiver here, since a receiver that is not
// started ignores bytes, and the stream would then be read from somewhere in its middle.
void IncomingMigration::on_receive(net::TcpStream&, std::span<const uint8_t> bytes) {
  if (!started_) start();
  receiver_.on_receive(bytes);
}

void IncomingMigration::on_closed(net::TcpStream&, net::TcpEnd why) {
  if (!started_) {
    closed_before_start_ = true;
    early_end_ = why;
    return;
  }
  receiver_.on_channel_closed();
}

net::TcpStream& IncomingMigration::take_recovery_connection() {
  parked_ = false;
  recovery_pending_ = true;
  started_ = false;
  closed_before_start_ = false;
  channel_.reopen();
  return stream_;
}

void IncomingMigration::report() {
  if (closed_before_start_) {
    Event e("migration_received");
    FixedString<120> reason;
    format(reason, "the connection ended before the migration started: {}", net::describe(early_end_));
    e->field("outcome", "failed").field("reason", reason.view());
    return;
  }
  bool running = receiver_.outcome() == MigrationReceiver::Outcome::kRunning;
  vm::Vm* guest = destination_.guest();
  {
    Event e("migration_received");
    // "stranded": it failed after the guest ran here (post-copy); the guest is paused.
    e->field("outcome", running ? "running" : receiver_.stats().stranded ? "stranded" : "failed");
    if (receiver_.recovering()) e->field("recovery", true);
    if (!running && awaiting_recovery()) e->field("recoverable", true);
    if (!running) {
      FixedString<200> reason;
      migration::write_fault(reason.sink(), receiver_.failure());
      e->field("reason", reason.view());
    }
    if (running && guest != nullptr) e->field("guest_id", guest->id).field("name", guest->name());
    const migration::ReceiverStats& stats = receiver_.stats();
    e->field("pages", stats.pages_received)
        .field("bytes", stats.bytes_received)
        .field("rounds", stats.rounds)
        .field("verify", stats.verify)
        .field("digest_verified", stats.digest_verified)
        .field("authenticated", receiver_.authenticated())
        .field("protection", stats.encrypted ? "encrypted" : "integrity");
    if (stats.committed_unconfirmed) e->field("committed_unconfirmed", true);
    if (running) migration::write_arrival_steps(e.json(), stats.steps);
    if (stats.postcopy) {
      e->field("postcopy", true)
          .field("present_at_switch", stats.present_at_switch)
          .field("discarded_pages", stats.discarded_pages)
          .field("page_requests", stats.page_requests)
          .field("demand_pages", stats.demand_pages)
          .field("duplicate_pages", stats.duplicate_pages)
          .fixed("go_wait_ms", static_cast<int64_t>(stats.switch_to_go_ns / 1000), 3);
      migration::write_switch_steps(e.json(), stats.switch_steps);
      migration::write_fault_wait_fields(e.json(), destination_.fault_waits());
    }
  }
  if (running) destination_.forget();
}

}  // namespace godwit::migrate
