// The echo protocol on the guest's lwIP stack (decision 0012): UDP port 7 echoes each
// datagram, TCP port 7 echoes what it receives as it arrives. Shared by the echo and
// loadgen guests; lwIP itself answers ARP and ICMP echo once net_start() has run.
#pragma once

#include <cstdint>

namespace godwit::guest {

inline constexpr uint16_t kEchoPort = 7;

struct EchoCounts {
  uint64_t udp_datagrams = 0, tcp_connections = 0, tcp_bytes = 0, tcp_lines = 0;
};

// Opens both ports (after net_start); false, having said why, when it cannot. The
// guest then calls net_poll() often enough for its traffic.
bool echo_serve();
const EchoCounts& echo_counts();

}  // namespace godwit::guest
