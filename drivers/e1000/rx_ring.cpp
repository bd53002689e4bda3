#include "drivers/e1000/rx_ring.h"

#include <atomic>

#include "drivers/nic/frame_copy.h"

namespace godwit::e1000 {

Status RxRing::init(std::span<RxDescriptor> ring, uint64_t buffers_address) {
  if (auto s = lay_out_ring(ring, buffers_address, kBufferBytes); !s) return s;
  ring_ = ring.data();
  size_ = static_cast<uint32_t>(ring.size());
  next_ = 0;
  tail_ = size_ - 1;
  discarding_ = false;
  drops_ = RxDrops{};
  return ok();
}

void RxRing::give_back(uint32_t index) {
  ring_[index].status = 0;
  // The cleared status must be visible before the tail that hands the descriptor over.
  std::atomic_thread_fence(std::memory_order_release);
  tail_ = index;
}

std::optional<RxRing::Frame> RxRing::next() {
  for (;;) {
    uint32_t index = next_;
    uint8_t status = ring_[index].status;
    if ((status & kRxStatusDone) == 0) return std::nullopt;
    std::atomic_thread_fence(std::memory_order_acquire);  // fields after DD
    uint16_t length = ring_[index].length;
    uint8_t errors = ring_[index].errors;
    next_ = (next_ + 1) % size_;
    bool end = (status & kRxStatusEndOfPacket) != 0;

    if (discarding_ || !end) {
      if (!discarding_) ++drops_.fragmented;  // count the frame once, at its first piece
      discarding_ = !end;
      give_back(index);
      continue;
    }
    if (length > kBufferBytes) {
      ++drops_.bad_length;
    } else if (errors != 0) {
      ++drops_.errors;
    } else if (auto check = net::check_frame_length(length); check == net::FrameCheck::kRunt) {
      ++drops_.runts;
    } else if (check == net::FrameCheck::kOversized) {
      ++drops_.oversized;
    } else {
      return Frame{index, length};
    }
    give_back(index);
  }
}

}  // namespace godwit::e1000
