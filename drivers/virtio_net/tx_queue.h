// The virtio-net transmit queue (virtio 1.1, 5.1.6.2): each frame is copied behind a
// zeroed virtio_net_hdr (no offloads) into the buffer of a free descriptor; finished
// buffers are reclaimed before every send and on every poll. Pure.
#pragma once

#include <span>

#include "drivers/nic/nic.h"
#include "drivers/virtio/buffer_pool.h"
#include "drivers/virtio/split_virtqueue.h"

namespace godwit::virtio_net {

class TxQueue {
 public:
  // Binds the queue and the buffers frames are copied into; before any other call.
  void init(virtio::SplitVirtqueue& queue, virtio::BufferPool pool);

  // Frees the buffers the device has sent; device errors are added to counters.errors.
  void reclaim(net::NicCounters& counters);

  // Queues one frame and publishes it; returns whether the device must be notified.
  // kBusy (counted in tx_dropped) when every descriptor is in flight; kInvalidArgument
  // for a frame shorter than Nic::kMinFrame or longer than Nic::kMaxFrame.
  Expected<bool> send(std::span<const std::span<const uint8_t>> pieces, net::NicCounters& counters);

 private:
  virtio::SplitVirtqueue* queue_ = nullptr;
  virtio::BufferPool pool_;
};

}  // namespace godwit::virtio_net
