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
  // kGraceful: close() closes the stream (FIN after what is queued). kOwnerCloses:
  // close() only stops writes; the owner ends the stream once it knows how the
  // migration ended (gracefully after success, with a reset after a failure).
  enum class CloseMode : uint8_t { kGraceful, kOwnerCloses };

  explicit TcpChannel(net::TcpStream& stream, CloseMode mode = CloseMode::kGraceful)
      : stream_(stream), mode_(mode) {}

  Expected<size_t> write(std::span<const uint8_t> bytes) override;
  void close() override;
  // A recovery connection (decision 0023) reuses the channel over the same stream object.
  void reopen() { closed_ = false; }

 private:
  net::TcpStream& stream_;
  CloseMode mode_;
  bool closed_ = false;
};

}  // namespace godwit::migrate
