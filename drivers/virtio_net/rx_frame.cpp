#include "drivers/virtio_net/rx_frame.h"

#include "drivers/virtio_net/virtio_net_defs.h"

namespace godwit::virtio_net {

RxFrame rx_frame(std::span<const uint8_t> buffer, uint32_t used_length) {
  if (used_length > buffer.size()) return {net::FrameCheck::kOversized, {}};
  if (used_length < sizeof(NetHeader)) return {net::FrameCheck::kRunt, {}};
  size_t length = used_length - sizeof(NetHeader);
  net::FrameCheck check = net::check_frame_length(length);
  if (check != net::FrameCheck::kOk) return {check, {}};
  return {check, buffer.subspan(sizeof(NetHeader), length)};
}

}  // namespace godwit::virtio_net
