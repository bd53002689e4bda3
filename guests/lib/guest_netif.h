// The guest's lwIP interface over its virtio-mmio NIC: lwIP initialised once, one netif
// with the address from the guest's command line, frames copied both ways. Polled from
// the guest's own loop (no interrupts, no threads).
#pragma once

#include <cstdint>

#include "guests/lib/virtio_mmio_net.h"
#include "lwip/netif.h"

namespace godwit::guest {

struct GuestNetCounters {
  uint64_t rx_frames = 0, tx_frames = 0;
  uint64_t rx_no_pbuf = 0, tx_dropped = 0;
};

// Starts lwIP on `nic` with `address`/`prefix` (network order bytes); false after saying why.
bool net_start(VirtioMmioNet& nic, const uint8_t address[4], uint8_t prefix);
// Hands received frames to lwIP and runs its timers; returns whether a frame arrived.
bool net_poll();
netif& net_interface();
const GuestNetCounters& net_counters();

}  // namespace godwit::guest
