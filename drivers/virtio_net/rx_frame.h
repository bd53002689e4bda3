// What a used receive buffer holds: a virtio_net_hdr and then the frame (virtio 1.1,
// 5.1.6.4). Pure, so the length checks are unit-tested.
#pragma once

#include <cstdint>
#include <span>

#include "drivers/nic/frame_copy.h"

namespace godwit::virtio_net {

struct RxFrame {
  net::FrameCheck check;
  std::span<const uint8_t> frame;  // valid when check is kOk
};

// `buffer` is the whole receive buffer, `used_length` what the device says it wrote
// (already checked to be ≤ buffer.size()). Shorter than the header counts as a runt.
RxFrame rx_frame(std::span<const uint8_t> buffer, uint32_t used_length);

}  // namespace godwit::virtio_net
