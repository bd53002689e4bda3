// A net::TcpStream seen as the migration state machines' ByteChannel
// (migration/migration_ports.h). The stream's events go straight to the migration
// object that owns the stream (OutgoingMigration, IncomingMigration).
#pragma once

#include <span>

#include "migration/migration_ports.h"
#include "net/tcp_stream.h"

namespace godwit::migrate {

class TcpChannel final : public migration::ByteChannel {
 public:
  explicit TcpChannel(net::TcpStream& stream) : stream_(stream) {}

  Expected<size_t> write(std::span<const uint8_t> bytes) override;
  void close() override { stream_.close(); }

 private:
  net::TcpStream& stream_;
};

}  // namespace godwit::migrate
