#include "drivers/virtio_net/tx_queue.h"

#include "drivers/nic/frame_copy.h"
#include "drivers/virtio_net/virtio_net_defs.h"

namespace godwit::virtio_net {

void TxQueue::init(virtio::SplitVirtqueue& queue, virtio::BufferPool pool) {
  queue_ = &queue;
  pool_ = pool;
}

void TxQueue::reclaim(net::NicCounters& counters) {
  uint64_t errors_before = queue_->device_errors();
  while (queue_->take_used()) {
  }
  counters.errors += queue_->device_errors() - errors_before;
}

Expected<bool> TxQueue::send(std::span<const std::span<const uint8_t>> pieces, net::NicCounters& counters) {
  reclaim(counters);
  auto id = queue_->next_free();
  if (!id) {
    ++counters.tx_dropped;
    return fail(Error::kBusy);
  }
  std::span<uint8_t> buffer = pool_.buffer(*id);
  auto length = net::gather_frame(buffer.subspan(sizeof(NetHeader)), pieces);
  if (!length) return length.failure();
  for (size_t i = 0; i < sizeof(NetHeader); ++i) buffer[i] = 0;
  uint32_t total = static_cast<uint32_t>(sizeof(NetHeader) + *length);
  if (auto added = queue_->add(pool_.address(*id), total, false); !added) return added.failure();
  ++counters.tx_frames;
  counters.tx_bytes += *length;
  return queue_->publish() && queue_->needs_notify();
}

}  // namespace godwit::virtio_net
