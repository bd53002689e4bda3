// Finding and mapping an 82540EM on PCI for the E1000 driver. Image only.
#pragma once

#include <optional>

#include "drivers/e1000/e1000.h"
#include "drivers/pci/config_space.h"

namespace godwit::e1000 {

// Checks BAR0 (a memory BAR of at least 128 KiB, below the identity-mapped 4 GiB),
// enables the function and starts the driver. It lives as long as the hypervisor.
Expected<E1000*> create(pci::ConfigSpace& config, pci::PciAddress at,
                        const std::optional<net::MacAddress>& mac_override);

}  // namespace godwit::e1000
