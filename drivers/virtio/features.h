// Feature negotiation (virtio 1.1, 2.2 and 3.1.1): the driver accepts the features it
// wants that the device offers, and gives up when a required one is missing.
#pragma once

#include <cstdint>

#include "lib/expected.h"

namespace godwit::virtio {

inline constexpr uint64_t feature(unsigned bit) { return uint64_t{1} << bit; }

// virtio 1.1, 6: VERSION_1 is what makes a device "modern" (little-endian fields,
// the modern PCI layout, the 12-byte net header).
inline constexpr uint64_t kFeatureVersion1 = feature(32);

// The features to write back: wanted ∩ offered. kUnsupported when `required` (a subset
// of wanted) is not all offered.
inline Expected<uint64_t> choose_features(uint64_t offered, uint64_t wanted, uint64_t required) {
  if ((offered & required) != required) return fail(Error::kUnsupported);
  return offered & (wanted | required);
}

}  // namespace godwit::virtio
