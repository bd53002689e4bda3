#include "drivers/e1000/tx_ring.h"

#include <atomic>

namespace godwit::e1000 {

Status TxRing::init(std::span<TxDescriptor> ring, uint64_t buffers_address) {
  if (auto s = lay_out_ring(ring, buffers_address, kBufferBytes); !s) return s;
  ring_ = ring.data();
  size_ = static_cast<uint32_t>(ring.size());
  tail_ = clean_ = 0;
  in_flight_ = 0;
  return ok();
}

std::optional<uint32_t> TxRing::next_free() const {
  if (in_flight_ + 1 >= size_) return std::nullopt;
  return tail_;
}

Expected<uint32_t> TxRing::add(uint16_t length) {
  if (!next_free()) return fail(Error::kBusy);
  if (length == 0 || length > kBufferBytes) return fail(Error::kInvalidArgument);
  volatile TxDescriptor& d = ring_[tail_];
  d.length = length;
  d.command = kTxCommandEndOfPacket | kTxCommandInsertFcs | kTxCommandReportStatus;
  d.status = 0;
  d.checksum_offset = 0;
  d.checksum_start = 0;
  d.special = 0;
  // The frame and descriptor must be visible before the tail that hands them over.
  std::atomic_thread_fence(std::memory_order_release);
  tail_ = (tail_ + 1) % size_;
  ++in_flight_;
  return tail_;
}

size_t TxRing::reclaim() {
  size_t freed = 0;
  while (in_flight_ > 0 && (ring_[clean_].status & kTxStatusDone) != 0) {
    ring_[clean_].status = 0;
    clean_ = (clean_ + 1) % size_;
    --in_flight_;
    ++freed;
  }
  return freed;
}

}  // namespace godwit::e1000
