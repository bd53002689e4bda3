#include "kernel/migrate/tcp_channel.h"

namespace godwit::migrate {

Expected<size_t> TcpChannel::write(std::span<const uint8_t> bytes) {
  if (!stream_.open()) return fail(Error::kState);
  return stream_.write(bytes);
}

}  // namespace godwit::migrate
