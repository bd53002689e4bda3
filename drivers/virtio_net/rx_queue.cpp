#include "drivers/virtio_net/rx_queue.h"

#include "drivers/virtio_net/rx_frame.h"

namespace godwit::virtio_net {

void RxQueue::init(virtio::SplitVirtqueue& queue, virtio::BufferPool pool) {
  queue_ = &queue;
  pool_ = pool;
}

bool RxQueue::refill() {
  while (auto id = queue_->next_free()) {
    if (!queue_->add(pool_.address(*id), pool_.buffer_bytes, true)) break;
  }
  return queue_->publish() && queue_->needs_notify();
}

bool RxQueue::deliver(const virtio::UsedBuffer& used, net::FrameReceiver& receiver,
                      net::NicCounters& counters) {
  std::span<uint8_t> buffer = pool_.at(used.address);
  if (!used.length_valid || buffer.empty()) {
    ++counters.rx_dropped;
    return false;
  }
  RxFrame rx = rx_frame(buffer, used.length);
  if (rx.check != net::FrameCheck::kOk) {
    ++counters.rx_dropped;
    return false;
  }
  ++counters.rx_frames;
  counters.rx_bytes += rx.frame.size();
  receiver.receive(rx.frame);
  return true;
}

size_t RxQueue::poll(net::FrameReceiver& receiver, size_t budget, net::NicCounters& counters) {
  size_t delivered = 0;
  uint64_t errors_before = queue_->device_errors();
  while (delivered < budget) {
    auto used = queue_->take_used();
    if (!used) break;
    if (deliver(*used, receiver, counters)) ++delivered;
    // The descriptor was just freed, so the buffer always goes back on the ring.
    (void)queue_->add(used->address, used->capacity, true);
  }
  counters.errors += queue_->device_errors() - errors_before;
  return delivered;
}

}  // namespace godwit::virtio_net
