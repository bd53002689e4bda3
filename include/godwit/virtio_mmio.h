// The virtio-mmio register block, version 2 (virtio 1.1, 4.2.2, "MMIO Device Register
// Layout"; the same in 1.2). Shared by the hypervisor's device (kernel/vm/devices) and
// the guest runtime's driver (guests/lib/virtio_mmio.*). All registers are 32 bits wide
// and little-endian; the device configuration space starts at kConfig.
#pragma once

#include <cstdint>

namespace godwit::virtio_mmio {

inline constexpr uint32_t kMagicValue = 0x000;         // R: 0x74726976 ("virt")
inline constexpr uint32_t kVersion = 0x004;            // R: 2 (1 is the legacy layout)
inline constexpr uint32_t kDeviceId = 0x008;           // R: 1 = network card (5, "Device Types")
inline constexpr uint32_t kVendorId = 0x00c;           // R
inline constexpr uint32_t kDeviceFeatures = 0x010;     // R: 32 feature bits, chosen by ...
inline constexpr uint32_t kDeviceFeaturesSel = 0x014;  // W: ... this word index (0 or 1)
inline constexpr uint32_t kDriverFeatures = 0x020;     // W
inline constexpr uint32_t kDriverFeaturesSel = 0x024;  // W
inline constexpr uint32_t kQueueSel = 0x030;           // W: the queue the Queue* registers address
inline constexpr uint32_t kQueueNumMax = 0x034;        // R: 0 when the queue does not exist
inline constexpr uint32_t kQueueNum = 0x038;           // W: the driver's queue size
inline constexpr uint32_t kQueueReady = 0x044;         // RW
inline constexpr uint32_t kQueueNotify = 0x050;        // W: a queue index
inline constexpr uint32_t kInterruptStatus = 0x060;    // R
inline constexpr uint32_t kInterruptAck = 0x064;       // W
inline constexpr uint32_t kStatus = 0x070;             // RW: writing 0 resets the device
inline constexpr uint32_t kQueueDescLow = 0x080;       // W: descriptor table address
inline constexpr uint32_t kQueueDescHigh = 0x084;
inline constexpr uint32_t kQueueDriverLow = 0x090;  // W: available ring address
inline constexpr uint32_t kQueueDriverHigh = 0x094;
inline constexpr uint32_t kQueueDeviceLow = 0x0a0;  // W: used ring address
inline constexpr uint32_t kQueueDeviceHigh = 0x0a4;
inline constexpr uint32_t kConfigGeneration = 0x0fc;  // R
inline constexpr uint32_t kConfig = 0x100;            // device-specific configuration

inline constexpr uint32_t kMagic = 0x74726976;
inline constexpr uint32_t kVersion2 = 2;
inline constexpr uint32_t kDeviceIdNet = 1;
inline constexpr uint32_t kGodwitVendor = 0x54574447;  // "GDWT"

// Device status bits (virtio 1.1, 2.1).
inline constexpr uint32_t kStatusAcknowledge = 1;
inline constexpr uint32_t kStatusDriver = 2;
inline constexpr uint32_t kStatusDriverOk = 4;
inline constexpr uint32_t kStatusFeaturesOk = 8;
inline constexpr uint32_t kStatusNeedsReset = 64;
inline constexpr uint32_t kStatusFailed = 128;

}  // namespace godwit::virtio_mmio
