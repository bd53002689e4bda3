// One guest arriving on this node: a MigrationReceiver (migration/) over the accepted
// TCP connection, building the guest through VmDestination.
#pragma once

#include <span>

#include "kernel/migrate/tcp_channel.h"
#include "kernel/migrate/vm_destination.h"
#include "migration/migration_receiver.h"

namespace godwit::migrate {

class Incoming final : public ChannelClient {
 public:
  // `body` and `coverage` are the service's buffers (one incoming migration at a time).
  Incoming(const migration::ReceiverConfig& config, std::span<uint8_t> body, std::span<uint64_t> coverage,
           migration::Clock& clock)
      : receiver_(config, destination_, channel_, clock, body, coverage) {}

  net::TcpStream& stream() { return channel_.stream(); }
  void pump() {
    // The stream is open only once on_accept has returned it: start then.
    if (!started_ && channel_.stream().open()) {
      started_ = true;
      receiver_.start();
    }
    if (started_) receiver_.pump();
  }
  migration::MigrationReceiver& receiver() { return receiver_; }
  VmDestination& destination() { return destination_; }

  void on_channel_open() override {}
  void on_channel_bytes(std::span<const uint8_t> bytes) override { receiver_.on_receive(bytes); }
  void on_channel_closed(net::TcpEnd) override { receiver_.on_channel_closed(); }

 private:
  TcpChannel channel_{*this};
  VmDestination destination_;
  migration::MigrationReceiver receiver_;
  bool started_ = false;
};

}  // namespace godwit::migrate
