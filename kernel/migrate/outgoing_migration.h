// One guest leaving this node: a MigrationSender (migration/) over the TCP connection
// this object owns, with the guest seen through VmMigrationSource. It hears the
// connection's events itself (net::TcpEvents) and the sender's reports
// (MigrationObserver): each round becomes a migration_round @event, and the end
// becomes the migration_summary @event and log line, written in finish() only, which
// also hands the summary to whoever waits for it (the shell's `migrate`).
#pragma once

#include <span>
#include <string_view>

#include "kernel/migrate/migrate_options.h"
#include "kernel/migrate/tcp_channel.h"
#include "kernel/migrate/vm_migration_source.h"
#include "migration/migration_sender.h"
#include "net/tcp_stream.h"

namespace godwit::migrate {

class OutgoingMigration final : public net::TcpEvents, public migration::MigrationObserver {
 public:
  // `record`, `send_set` and `digest_terms` are the service's buffers (one outgoing
  // migration at a time).
  OutgoingMigration(vm::Vm& vm, const MigrateOptions& options, std::string_view destination,
                    std::span<const uint8_t> key, std::span<uint8_t> record, std::span<uint64_t> send_set,
                    std::span<uint64_t> digest_terms, migration::Clock& clock);

  Status connect(const net::Ipv4Address& address, uint16_t port) {
    address_ = address;
    port_ = port;
    return stream_.connect(address, port);
  }
  void pump() {
    if (stream_.open()) sender_.pump();
  }
  bool finished() const { return finished_; }
  // Post-copy recovery (decision 0023): the migration split and its guest is still here,
  // paused, so a new connection to the same destination may continue it (recover()), or
  // the operator gives it up (abandon(): the guest stays paused here, let go).
  bool awaiting_recovery() const { return finished_ && sender_.recoverable() && source_.alive(); }
  // Connects again to continue it. A `quiet` attempt (the service's automatic retry) that
  // cannot connect ends without a summary event, unless somebody waits for it by then
  // (report_to): the split was reported once, and a retry every few seconds while the
  // link is down would bury it.
  Status recover(bool quiet);
  // A recovery's connection is being opened and has not opened yet.
  bool recovery_connecting() const { return !finished_ && recovering_ && !connected_; }
  // A recovery is under way (connecting, or continuing the migration).
  bool recovery_in_flight() const { return !finished_ && recovering_; }
  // The last recovery's connection opened, yet the migration is still split: the
  // destination refused it, or the link failed again.
  bool recovery_failed_connected() const { return finished_ && recovering_ && connected_; }
  // Gives up a recovery attempt whose connection has not opened: the migration is split
  // again, as it was before the attempt (the service retries later).
  void give_up_connecting();
  void abandon() { source_.let_go(); }
  uint32_t guest_id() const { return source_.id(); }
  std::string_view destination() const { return destination_; }
  // Where finish() copies the summary; nullptr when nobody waits (a guest's own
  // kMigrateSelf, or a command that gave up waiting).
  void report_to(migration::MigrationSummary* waiter) { waiter_ = waiter; }

  // net::TcpEvents
  void on_connected(net::TcpStream&) override;
  void on_receive(net::TcpStream&, std::span<const uint8_t> bytes) override { sender_.on_receive(bytes); }
  void on_closed(net::TcpStream&, net::TcpEnd why) override;

  // migration::MigrationObserver
  void on_round(const migration::RoundStats& round) override;
  void on_commit() override;
  void on_finished(const migration::MigrationSummary& summary) override { finish(summary); }

 private:
  migration::SenderConfig configure(vm::Vm& vm, const MigrateOptions& options, std::span<const uint8_t> key);
  void finish(const migration::MigrationSummary& summary);

  char name_[vm::Vm::kMaxName + 1] = {};
  char command_line_[vm::Vm::kMaxCommandLine + 1] = {};
  char destination_[24] = {};
  migration::SenderConfig config_;
  net::TcpStream stream_{*this};
  TcpChannel channel_{stream_, TcpChannel::CloseMode::kOwnerCloses};  // finish() ends the stream
  VmMigrationSource source_;
  migration::MigrationSender sender_;
  const char* connect_failure_ = nullptr;  // why the connection never opened
  net::Ipv4Address address_{};
  uint16_t port_ = 0;
  bool recovering_ = false;  // the current connection is a recovery
  bool quiet_ = false;       // ... started by the service's retry, not by a command
  bool connected_ = false;   // the current connection opened
  migration::MigrationSummary* waiter_ = nullptr;
  bool finished_ = false;
};

}  // namespace godwit::migrate
