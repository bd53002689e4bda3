// echo: a guest that serves on its virtio-net NIC (decision 0012): lwIP answers ARP and
// ICMP echo; UDP port 7 echoes datagrams; TCP port 7 echoes what it receives, line by
// line as it arrives; TCP port 8 sends each client numbered lines ("line 000042\n"),
// one every stream_ms, numbered from 0 per connection, so a client checks that its
// stream is complete and in order; with peer=A.B.C.D it also pings that address once
// per ping_ms and reports each reply. Every report_ms it prints its counts.
//
//   new echo mem=8M net=10.0.0.21/24 [peer=10.0.0.22] [ping_ms=1000] [report_ms=2000]
//       [stream_ms=10]
#include "guests/lib/console.h"
#include "guests/lib/echo_service.h"
#include "guests/lib/guest_netif.h"
#include "guests/lib/ipv4_text.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"
#include "lwip/icmp.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip.h"
#include "lwip/raw.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"

namespace {

using namespace godwit::guest;

constexpr uint16_t kStreamPort = 8;
constexpr size_t kMaxStreams = 2;
constexpr uint16_t kPingId = 0x6777;

struct Counts {
  uint64_t pings_sent = 0, ping_replies = 0;
  uint64_t stream_lines = 0;
};

// One client of the numbered-line stream: the next number it gets.
struct Stream {
  tcp_pcb* pcb = nullptr;
  uint64_t next = 0;
};

constinit VirtioMmioNet g_nic;
constinit Counts g_counts{};
constinit uint16_t g_ping_sequence = 0;
constinit ip4_addr_t g_peer{};
constinit Stream g_streams[kMaxStreams] = {};

// lwIP has freed the pcb (reset or aborted): forget it.
void stream_error(void* arg, err_t) { static_cast<Stream*>(arg)->pcb = nullptr; }

err_t stream_receive(void* arg, tcp_pcb* pcb, pbuf* p, err_t) {
  if (p != nullptr) {  // the client has nothing to say; take it and go on
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    return ERR_OK;
  }
  static_cast<Stream*>(arg)->pcb = nullptr;
  tcp_arg(pcb, nullptr);
  tcp_err(pcb, nullptr);
  (void)tcp_close(pcb);
  return ERR_OK;
}

err_t stream_accept(void*, tcp_pcb* pcb, err_t error) {
  if (error != ERR_OK || pcb == nullptr) return ERR_VAL;
  for (Stream& s : g_streams) {
    if (s.pcb != nullptr) continue;
    s = Stream{pcb, 0};
    tcp_arg(pcb, &s);
    tcp_err(pcb, stream_error);
    tcp_recv(pcb, stream_receive);
    return ERR_OK;
  }
  tcp_abort(pcb);
  return ERR_ABRT;
}

// The next line of every open stream, if its send buffer has room (otherwise the line
// waits: the numbers never skip).
void stream_lines() {
  for (Stream& s : g_streams) {
    if (s.pcb == nullptr) continue;
    godwit::FixedString<16> text;
    godwit::format(text, "line {:06}\n", s.next % 1'000'000);
    std::string_view line = text.view();
    if (tcp_sndbuf(s.pcb) < line.size()) continue;
    if (tcp_write(s.pcb, line.data(), static_cast<u16_t>(line.size()), TCP_WRITE_FLAG_COPY) != ERR_OK)
      continue;
    (void)tcp_output(s.pcb);
    ++s.next;
    ++g_counts.stream_lines;
  }
}

// Our echo replies: type 0, our identifier. Everything else goes on to lwIP's ICMP.
u8_t ping_receive(void*, raw_pcb*, pbuf* p, const ip_addr_t* from) {
  constexpr u16_t kIpHeader = 20;
  uint8_t icmp[8];
  if (p->tot_len < kIpHeader + 8 || pbuf_copy_partial(p, icmp, 8, kIpHeader) != 8) return 0;
  if (icmp[0] != ICMP_ER || (icmp[4] << 8 | icmp[5]) != kPingId) return 0;
  ++g_counts.ping_replies;
  println("echo: reply from {}.{}.{}.{} seq={}", ip4_addr1(from), ip4_addr2(from), ip4_addr3(from),
          ip4_addr4(from), icmp[6] << 8 | icmp[7]);
  pbuf_free(p);
  return 1;
}

void send_ping(raw_pcb* pcb) {
  constexpr u16_t kBytes = 8 + 32;
  pbuf* p = pbuf_alloc(PBUF_IP, kBytes, PBUF_RAM);
  if (p == nullptr) return;
  auto* icmp = static_cast<uint8_t*>(p->payload);
  uint16_t sequence = ++g_ping_sequence;
  icmp[0] = ICMP_ECHO;
  icmp[1] = 0;
  icmp[2] = icmp[3] = 0;
  icmp[4] = kPingId >> 8;
  icmp[5] = kPingId & 0xff;
  icmp[6] = static_cast<uint8_t>(sequence >> 8);
  icmp[7] = static_cast<uint8_t>(sequence);
  for (u16_t i = 8; i < kBytes; ++i) icmp[i] = static_cast<uint8_t>(i);
  u16_t sum = inet_chksum(icmp, kBytes);
  icmp[2] = static_cast<uint8_t>(sum);  // inet_chksum returns network order in memory order
  icmp[3] = static_cast<uint8_t>(sum >> 8);
  ip_addr_t to;
  ip_addr_copy_from_ip4(to, g_peer);
  if (raw_sendto(pcb, p, &to) == ERR_OK) ++g_counts.pings_sent;
  pbuf_free(p);
}

void report() {
  const GuestNetCounters& net = net_counters();
  println(
      "echo: arp_in={} icmp_echo_in={} udp={} tcp_conns={} tcp_bytes={} tcp_lines={} stream_lines={} "
      "pings={} "
      "replies={} rx={} tx={} dropped={}",
      lwip_stats.etharp.recv, lwip_stats.icmp.recv, echo_counts().udp_datagrams,
      echo_counts().tcp_connections, echo_counts().tcp_bytes, echo_counts().tcp_lines, g_counts.stream_lines,
      g_counts.pings_sent, g_counts.ping_replies, net.rx_frames, net.tx_frames,
      net.rx_no_pbuf + net.tx_dropped);
}

}  // namespace

int main() {
  uint8_t address[4];
  uint8_t prefix = 0;
  if (!parse_ipv4_prefix_text(param_text("net", ""), address, prefix)) {
    println("guest: bad parameter net={} (an address and prefix such as 10.0.0.21/24)",
            param_text("net", ""));
    return kExitBadParameter;
  }
  std::string_view peer_text = param_text("peer", "");
  uint8_t peer[4] = {};
  if (!peer_text.empty() && !parse_ipv4_text(peer_text, peer)) {
    println("guest: bad parameter peer={} (an address such as 10.0.0.22)", peer_text);
    return kExitBadParameter;
  }
  uint64_t ping_ns = param_u64("ping_ms", 1000, 10, 3'600'000) * kNsPerMs;
  uint64_t report_ns = param_u64("report_ms", 2000, 10, 3'600'000) * kNsPerMs;
  uint64_t stream_ns = param_u64("stream_ms", 10, 1, 60'000) * kNsPerMs;
  if (!g_nic.start() || !net_start(g_nic, address, prefix)) return 1;
  const uint8_t* mac = g_nic.mac();
  println("echo: up as {}.{}.{}.{}/{} MAC {:x}:{:x}:{:x}:{:x}:{:x}:{:x}, serving udp/7, tcp/7 and tcp/8",
          address[0], address[1], address[2], address[3], prefix, mac[0], mac[1], mac[2], mac[3], mac[4],
          mac[5]);

  if (!echo_serve()) return 1;
  tcp_pcb* streams = tcp_new();
  if (streams == nullptr || tcp_bind(streams, IP_ADDR_ANY, kStreamPort) != ERR_OK ||
      (streams = tcp_listen(streams)) == nullptr) {
    println("echo: cannot open port {}", kStreamPort);
    return 1;
  }
  tcp_accept(streams, stream_accept);
  raw_pcb* pinger = nullptr;
  if (!peer_text.empty()) {
    IP4_ADDR(&g_peer, peer[0], peer[1], peer[2], peer[3]);
    pinger = raw_new(IP_PROTO_ICMP);
    if (pinger == nullptr) return 1;
    raw_recv(pinger, ping_receive, nullptr);
  }

  uint64_t next_ping = time_ns() + ping_ns;
  uint64_t next_report = time_ns() + report_ns;
  uint64_t next_line = time_ns() + stream_ns;
  for (;;) {
    bool busy = net_poll();
    uint64_t now = time_ns();
    if (now >= next_line) {
      stream_lines();
      next_line = now + stream_ns;
    }
    if (pinger != nullptr && now >= next_ping) {
      send_ping(pinger);
      next_ping = now + ping_ns;
    }
    if (now >= next_report) {
      report();
      next_report = now + report_ns;
    }
    // Idle: give the CPU back until about the next host tick (frames wait in the ring).
    if (!busy) (void)block_until(now + kNsPerMs);
  }
}
