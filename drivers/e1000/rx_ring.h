// Bookkeeping of the e1000 receive ring (8254x SDM 3.2): every descriptor owns a fixed
// 2048-byte buffer; the hardware fills descriptors from RDH up to RDT, and the driver
// gives each back (moving RDT) once it has looked at it. Pure: the descriptors are any
// span, so the unit tests play the hardware.
//
// What the hardware reports is checked: a frame spanning descriptors (no EOP; Godwit
// accepts only frames that fit in one buffer), a length over the buffer, a runt or
// oversized frame or a receive error is dropped and counted, never handed up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "drivers/e1000/descriptors.h"
#include "lib/expected.h"

namespace godwit::e1000 {

struct RxDrops {
  uint64_t runts = 0;
  uint64_t oversized = 0;   // over Nic::kMaxFrame
  uint64_t fragmented = 0;  // frames spread over descriptors without EOP
  uint64_t errors = 0;      // the descriptor's error byte was non-zero
  uint64_t bad_length = 0;  // length larger than the buffer: a device error
  uint64_t total() const { return runts + oversized + fragmented + errors + bad_length; }
};

class RxRing {
 public:
  using Descriptor = RxDescriptor;
  static constexpr uint32_t kBufferBytes = 2048;

  // `ring` has a multiple of 8 descriptors (at least 8); buffer i is at
  // buffers_address + i * kBufferBytes. kInvalidArgument otherwise.
  Status init(std::span<RxDescriptor> ring, uint64_t buffers_address);

  // The RDT value: the hardware owns [RDH, tail), so one descriptor always stays empty.
  uint32_t tail() const { return tail_; }

  struct Frame {
    uint32_t index;   // descriptor (and buffer) index
    uint16_t length;  // bytes, without the CRC (RCTL.SECRC)
  };
  // The next good frame the hardware finished, or nullopt when it has finished no more.
  // Bad descriptors met on the way are counted and given back. The frame's descriptor
  // stays with the driver until release().
  std::optional<Frame> next();
  // Gives the descriptor of the frame from next() back to the hardware.
  void release(const Frame& frame) { give_back(frame.index); }

  const RxDrops& drops() const { return drops_; }

 private:
  // Clears the descriptor's status and makes it the new tail, handing it and every
  // descriptor before it back to the hardware.
  void give_back(uint32_t index);

  volatile RxDescriptor* ring_ = nullptr;
  uint32_t size_ = 0;
  uint32_t next_ = 0;  // next descriptor the hardware will complete
  uint32_t tail_ = 0;
  bool discarding_ = false;  // inside a frame that spans descriptors
  RxDrops drops_;
};

}  // namespace godwit::e1000
