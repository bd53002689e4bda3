// virtio-net definitions (virtio 1.1, 5.1): feature bits, the device configuration and
// the header in front of every frame. Pure.
#pragma once

#include <cstdint>

#include "drivers/virtio/features.h"

namespace godwit::virtio_net {

// 5.1.3. Checksum offload, GSO and mergeable receive buffers are not negotiated: every
// frame is whole, in one buffer, with a correct checksum.
inline constexpr uint64_t kFeatureMac = virtio::feature(5);
inline constexpr uint64_t kFeatureStatus = virtio::feature(16);

// 5.1.4: struct virtio_net_config, the part Godwit reads.
inline constexpr uint32_t kConfigMac = 0;
inline constexpr uint32_t kConfigStatus = 6;
inline constexpr uint32_t kConfigBytesWithStatus = 8;
inline constexpr uint16_t kStatusLinkUp = 1;

// 5.1.2: queue indices.
inline constexpr uint16_t kReceiveQueue = 0;
inline constexpr uint16_t kTransmitQueue = 1;

// 5.1.6: struct virtio_net_hdr. With VERSION_1 it always includes num_buffers: 12 bytes.
struct NetHeader {
  uint8_t flags;
  uint8_t gso_type;
  uint16_t hdr_len;
  uint16_t gso_size;
  uint16_t csum_start;
  uint16_t csum_offset;
  uint16_t num_buffers;
};
static_assert(sizeof(NetHeader) == 12);

}  // namespace godwit::virtio_net
