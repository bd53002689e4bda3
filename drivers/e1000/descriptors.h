// Legacy receive and transmit descriptors (8254x SDM 3.2.3 and 3.3.3), shared with the
// device through DMA.
#pragma once

#include <cstdint>

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

}  // namespace godwit::e1000
