// One guest leaving this node: a MigrationSender (migration/) over a TCP connection and
// the guest as VmMigrationSource, with the rounds reported as @events as they happen.
#pragma once

#include <span>
#include <string_view>

#include "kernel/migrate/migration_service.h"
#include "kernel/migrate/tcp_channel.h"
#include "kernel/migrate/vm_migration_source.h"
#include "migration/migration_sender.h"

namespace godwit::migrate {

class Outgoing final : public ChannelClient, public migration::MigrationObserver {
 public:
  // `record` and `send_set` are the service's buffers (one outgoing migration at a time).
  Outgoing(vm::Vm& vm, const MigrateOptions& options, std::string_view destination, std::span<const uint8_t> key,
           std::span<uint8_t> record, std::span<uint64_t> send_set, migration::Clock& clock);

  Status connect(const net::Ipv4Address& address, uint16_t port) { return channel_.stream().connect(address, port); }
  void pump() {
    if (opened_) sender_.pump();
  }
  bool finished() const { return sender_.finished() || connect_failed_; }
  const migration::MigrationSummary& summary() const { return sender_.summary(); }
  const char* connect_failure() const { return connect_failed_ ? connect_reason_ : nullptr; }
  VmMigrationSource& source() { return source_; }
  const char* destination() const { return destination_; }

  void on_channel_open() override;
  void on_channel_bytes(std::span<const uint8_t> bytes) override { sender_.on_receive(bytes); }
  void on_channel_closed(net::TcpEnd why) override;

  void on_round(const migration::RoundStats& round) override;
  void on_finished(const migration::MigrationSummary&) override {}

 private:
  migration::SenderConfig configure(vm::Vm& vm, const MigrateOptions& options, std::span<const uint8_t> key);

  char name_[vm::Vm::kMaxName + 1] = {};
  char command_line_[vm::Vm::kMaxCommandLine + 1] = {};
  migration::SenderConfig config_;
  TcpChannel channel_{*this};
  VmMigrationSource source_;
  migration::MigrationSender sender_;
  char destination_[24] = {};
  bool opened_ = false;
  bool connect_failed_ = false;
  char connect_reason_[48] = {};
};

}  // namespace godwit::migrate
