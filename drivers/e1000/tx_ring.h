// Bookkeeping of the e1000 transmit ring (8254x SDM 3.3): each descriptor owns a fixed
// 2048-byte buffer the driver copies a frame into; the hardware sends from TDH up to
// TDT and sets DD (RS is always set) when done. One descriptor always stays unused so a
// full ring is not mistaken for an empty one (TDH == TDT). Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "drivers/e1000/descriptors.h"
#include "lib/expected.h"

namespace godwit::e1000 {

class TxRing {
 public:
  using Descriptor = TxDescriptor;
  static constexpr uint32_t kBufferBytes = 2048;

  // As RxRing::init.
  Status init(std::span<TxDescriptor> ring, uint64_t buffers_address);

  // The descriptor the next frame goes into, nullopt when the ring is full.
  std::optional<uint32_t> next_free() const;
  // Hands that descriptor, holding `length` bytes (1..kBufferBytes), to the hardware;
  // kBusy when full, kInvalidArgument for a bad length. Returns the new TDT.
  Expected<uint32_t> add(uint16_t length);
  // Frees the descriptors the hardware finished, in order; returns how many.
  size_t reclaim();

  uint32_t tail() const { return tail_; }
  size_t in_flight() const { return in_flight_; }

 private:
  volatile TxDescriptor* ring_ = nullptr;
  uint32_t size_ = 0;
  uint32_t tail_ = 0;   // next descriptor to fill (TDT)
  uint32_t clean_ = 0;  // oldest descriptor in flight
  size_t in_flight_ = 0;
};

}  // namespace godwit::e1000
