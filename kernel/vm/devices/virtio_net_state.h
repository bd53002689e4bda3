// What a guest's virtio-net device is, apart from guest RAM: the negotiated features,
// the device status, the register selectors, and for each queue its layout, whether it
// is ready and where the device's two indices stand. Everything else (descriptors,
// rings, buffers) lives in guest RAM and migrates with it. Frames in flight inside the
// hypervisor are not state: the device holds none between two calls.
//
// The encoding is fixed-size little-endian (kEncodedBytes), versioned, and checked on
// decode; VirtioNetDevice::load() then checks it against the guest's RAM as if the driver
// had written it, so a corrupt or hostile stream ends the incoming guest, never the node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/nic/nic.h"
#include "drivers/virtio_net/virtio_net_defs.h"
#include "lib/expected.h"

namespace godwit::devices {

// What the device offers (virtio 1.1, 5.1.3): VERSION_1, a MAC in the configuration
// space, and the link status there. No offloads, no mergeable buffers, no control queue.
inline constexpr uint64_t kVirtioNetOffered =
    virtio::kFeatureVersion1 | virtio_net::kFeatureMac | virtio_net::kFeatureStatus;

struct VirtioNetQueueState {
  uint16_t size = 0;  // QueueNum as the driver wrote it
  bool ready = false;
  uint64_t descriptors = 0, driver = 0, device = 0;
  uint16_t next_avail = 0, next_used = 0;  // the device's indices (meaningful when ready)
};

struct VirtioNetState {
  static constexpr uint32_t kVersion = 1;
  static constexpr size_t kQueues = 2;  // receive, transmit
  net::MacAddress mac;
  uint32_t status = 0;
  uint64_t driver_features = 0;
  uint32_t device_features_sel = 0, driver_features_sel = 0, queue_sel = 0;
  VirtioNetQueueState queues[kQueues];
};

// version, MAC and 2 reserved bytes, status, features, three selectors, two queues of
// 32 bytes (size, ready, three addresses, two indices), 4 reserved bytes.
inline constexpr size_t kVirtioNetStateBytes = 4 + 8 + 4 + 8 + 3 * 4 + 2 * 32 + 4;

// Writes exactly kVirtioNetStateBytes into `out` (kInvalidArgument if it is shorter).
Status encode_virtio_net_state(const VirtioNetState& state, std::span<uint8_t> out);
// kTruncated for a short input, kVersion for another version, kMalformed for values no
// device could hold (unknown status or feature bits, a ready queue
// whose size is not a power of two up to 256, reserved bytes not zero).
Expected<VirtioNetState> decode_virtio_net_state(std::span<const uint8_t> in);

}  // namespace godwit::devices
