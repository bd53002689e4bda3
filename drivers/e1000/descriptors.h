// Legacy receive and transmit descriptors (8254x SDM 3.2.3 and 3.3.3), shared with the
// device through DMA.
#pragma once

#include <cstdint>
#include <span>

#include "lib/expected.h"

namespace godwit::e1000 {

// 3.2.3: receive descriptor; the device writes length, status and errors.
struct RxDescriptor {
  uint64_t buffer_address;
  uint16_t length;
  uint16_t checksum;
  uint8_t status;
  uint8_t errors;
  uint16_t special;
};
static_assert(sizeof(RxDescriptor) == 16);

// 3.3.3: legacy transmit descriptor; the device writes status (DD when RS was set).
struct TxDescriptor {
  uint64_t buffer_address;
  uint16_t length;
  uint8_t checksum_offset;
  uint8_t command;
  uint8_t status;
  uint8_t checksum_start;
  uint16_t special;
};
static_assert(sizeof(TxDescriptor) == 16);

inline constexpr uint8_t kRxStatusDone = 1u << 0;         // DD
inline constexpr uint8_t kRxStatusEndOfPacket = 1u << 1;  // EOP
inline constexpr uint8_t kTxCommandEndOfPacket = 1u << 0;
inline constexpr uint8_t kTxCommandInsertFcs = 1u << 1;
inline constexpr uint8_t kTxCommandReportStatus = 1u << 3;
inline constexpr uint8_t kTxStatusDone = 1u << 0;

// 3.2.6 / 3.3: ring lengths are multiples of 128 bytes (eight descriptors).
inline constexpr uint32_t kRingGranule = 8;

// Lays out a receive or transmit ring: checks its length (a multiple of kRingGranule, at
// least one granule; kInvalidArgument otherwise) and gives descriptor i the buffer at
// buffers_address + i * buffer_bytes, with every other field zero.
template <class Descriptor>
Status lay_out_ring(std::span<Descriptor> ring, uint64_t buffers_address, uint32_t buffer_bytes) {
  if (ring.size() < kRingGranule || ring.size() % kRingGranule != 0) return fail(Error::kInvalidArgument);
  for (size_t i = 0; i < ring.size(); ++i) {
    Descriptor d{};
    d.buffer_address = buffers_address + uint64_t{i} * buffer_bytes;
    ring[i] = d;
  }
  return ok();
}

}  // namespace godwit::e1000
