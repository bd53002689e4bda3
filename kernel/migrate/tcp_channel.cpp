#include "kernel/migrate/tcp_channel.h"

namespace godwit::migrate {

Expected<size_t> TcpChannel::write(std::span<const uint8_t> bytes) {
  if (closed_ || !stream_.open()) return fail(Error::kState);
  return stream_.write(bytes);
}

void TcpChannel::close() {
  closed_ = true;
  if (mode_ == CloseMode::kGraceful) stream_.close();
}

}  // namespace godwit::migrate
