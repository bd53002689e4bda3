// One migration connection: a net::TcpStream seen as the migration state machines'
// ByteChannel, with the stream's events forwarded to whichever side (sender or
// receiver) owns the connection.
#pragma once

#include <span>

#include "net/tcp_stream.h"
#include "migration/migration_ports.h"

namespace godwit::migrate {

// What a MigrationSender or MigrationReceiver needs to hear from its connection.
class ChannelClient {
 public:
  virtual void on_channel_open() = 0;
  virtual void on_channel_bytes(std::span<const uint8_t> bytes) = 0;
  virtual void on_channel_closed(net::TcpEnd why) = 0;

 protected:
  ~ChannelClient() = default;
};

class TcpChannel final : public migration::ByteChannel, public net::TcpEvents {
 public:
  explicit TcpChannel(ChannelClient& client) : client_(client) {}

  net::TcpStream& stream() { return stream_; }

  // migration::ByteChannel
  Expected<size_t> write(std::span<const uint8_t> bytes) override;
  void close() override { stream_.close(); }

  // net::TcpEvents
  void on_connected(net::TcpStream&) override { client_.on_channel_open(); }
  void on_receive(net::TcpStream&, std::span<const uint8_t> data) override { client_.on_channel_bytes(data); }
  void on_closed(net::TcpStream&, net::TcpEnd why) override { client_.on_channel_closed(why); }

 private:
  ChannelClient& client_;
  net::TcpStream stream_{*this};
};

}  // namespace godwit::migrate
