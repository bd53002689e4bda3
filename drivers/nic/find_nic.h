// Finds the machine's NIC: enumerates PCI and brings up the first virtio-net
// (1af4:1041 modern, or 1af4:1000 transitional with the modern capabilities) or e1000
// (8086:100e). Image only.
#pragma once

#include <optional>

#include "drivers/nic/nic.h"
#include "lib/expected.h"

namespace godwit::net {

// Logs one line naming the driver, PCI address, MAC and link. `mac_override` (from the
// boot command line's mac=) replaces the hypervisor-given MAC where the device allows
// it (e1000: RAL/RAH); virtio-net logs that it is ignored. kNotFound when there is no
// supported NIC; the driver's error when the first supported one fails to start.
// Call once: each call starts a new driver on the device.
Expected<Nic*> find_nic(const std::optional<MacAddress>& mac_override);

}  // namespace godwit::net
