// The virtio-net receive queue (virtio 1.1, 5.1.6.3-4): kept full of device-writable
// buffers; each used buffer is checked, handed up when it holds a good frame, and posted
// again. Pure, over a SplitVirtqueue and a BufferPool, so the drop paths are unit-tested.
#pragma once

#include <cstddef>

#include "drivers/nic/nic.h"
#include "drivers/virtio/buffer_pool.h"
#include "drivers/virtio/split_virtqueue.h"

namespace godwit::virtio_net {

class RxQueue {
 public:
  // `queue` is initialised and has no more descriptors than `pool` has buffers.
  void init(virtio::SplitVirtqueue& queue, virtio::BufferPool pool);

  // Posts a buffer on every free descriptor. Returns whether the device must be
  // notified (something was published and the device did not suppress notifications).
  bool refill();

  // Hands up to `budget` good frames to `receiver`. Runts, oversized frames and
  // lengths over the buffer are dropped and counted (rx_dropped; the last also in
  // errors, as does every device error the virtqueue saw). Every buffer is reposted.
  // Returns how many frames were delivered.
  size_t poll(net::FrameReceiver& receiver, size_t budget, net::NicCounters& counters);

 private:
  // Checks one used buffer and hands its frame to `receiver`; false (and counted) when
  // it is dropped. The buffer itself is reposted by the caller either way.
  bool deliver(const virtio::UsedBuffer& used, net::FrameReceiver& receiver, net::NicCounters& counters);

  virtio::SplitVirtqueue* queue_ = nullptr;
  virtio::BufferPool pool_;
};

}  // namespace godwit::virtio_net
