#include "kernel/shell/net_commands.h"

#include "drivers/nic/mac_address.h"
#include "kernel/console/event.h"
#include "kernel/shell/poll_wait.h"
#include "lib/parse.h"
#include "lwip/stats.h"
#include "net/net.h"
#include "net/nic_netif.h"
#include "net/pinger.h"
#include "net/tcp_stream.h"

namespace godwit::shell {

using namespace godwit::net;  // the commands of the net layer

namespace {

constexpr uint64_t kPingIntervalNs = 1'000'000'000;  // also each reply's deadline
constexpr uint64_t kMaxPings = 1000;

NicNetif* interface_or_say(Sink& out) {
  NicNetif* netif = interface();
  if (netif == nullptr) out.write("net: off (boot with ip=A.B.C.D/N on the command line)\n");
  return netif;
}

void print_lwip_counters(Sink& out) {
  const stats_& s = lwip_stats;
  format(out, "  lwIP link:  recv {} xmit {} drop {} memerr {} lenerr {} err {}\n", s.link.recv, s.link.xmit,
         s.link.drop, s.link.memerr, s.link.lenerr, s.link.err);
  format(out, "  lwIP ip:    recv {} xmit {} drop {} chkerr {} proterr {}\n", s.ip.recv, s.ip.xmit, s.ip.drop,
         s.ip.chkerr, s.ip.proterr);
  format(out, "  lwIP tcp:   recv {} xmit {} drop {} chkerr {} memerr {} proterr {}\n", s.tcp.recv,
         s.tcp.xmit, s.tcp.drop, s.tcp.chkerr, s.tcp.memerr, s.tcp.proterr);
  format(out, "  lwIP icmp:  recv {} xmit {} drop {}; arp recv {} xmit {}\n", s.icmp.recv, s.icmp.xmit,
         s.icmp.drop, s.etharp.recv, s.etharp.xmit);
  format(out,
         "  lwIP mem:   heap used {} of {} (max {}, {} failures); rx pbufs used {} of {} ({} failures)\n",
         s.mem.used, s.mem.avail, s.mem.max, s.mem.err, s.memp[MEMP_PBUF_POOL]->used,
         s.memp[MEMP_PBUF_POOL]->avail, s.memp[MEMP_PBUF_POOL]->err);
  TcpCounts tcp = tcp_counts();
  format(out, "  lwIP tcp pcbs: {} active, {} time-wait, of {} ({} failures); segments used {}\n", tcp.active,
         tcp.time_wait, tcp.limit, s.memp[MEMP_TCP_PCB]->err, s.memp[MEMP_TCP_SEG]->used);
}

// "1.234" from nanoseconds, in milliseconds.
void format_ms(Sink& out, uint64_t ns) { format(out, "{}.{:03}", ns / 1'000'000, ns / 1000 % 1000); }

}  // namespace

void command_net(Sink& out, ShellArgs) {
  NicNetif* netif = interface_or_say(out);
  if (netif == nullptr) return;
  Nic& nic = netif->nic();
  const NetConfig& config = netif->config();
  format(out, "net: {}, MAC ", nic.name());
  format_mac(out, nic.mac());
  format(out, ", link {}\n  address ", nic.link_up() ? "up" : "down");
  format_ipv4(out, config.interface.address);
  format(out, "/{}, gateway ", config.interface.prefix);
  if (config.gateway) {
    format_ipv4(out, *config.gateway);
  } else {
    out.write("none");
  }
  const NicCounters& n = nic.counters();
  format(out,
         "\n  NIC:        rx {} frames {} bytes, tx {} frames {} bytes, dropped rx {} tx {}, errors {}\n",
         n.rx_frames, n.rx_bytes, n.tx_frames, n.tx_bytes, n.rx_dropped, n.tx_dropped, n.errors);
  const NetifCounters& g = netif->counters();
  format(out, "  glue:       rx bad length {} no pbuf {} over budget {}; tx held {} dropped {} errors {}\n",
         g.rx_bad_length, g.rx_no_pbuf, g.rx_over_budget, g.tx_held, g.tx_dropped, g.tx_errors);
  format(out,
         "  guests:     frames for the link dropped while the node's own waited {}; for lwIP dropped {}\n",
         g.guest_to_link_dropped, g.guest_to_host_dropped);
  print_lwip_counters(out);
}

void command_ping(Sink& out, ShellArgs args) {
  if (interface_or_say(out) == nullptr) return;
  auto target = parse_ipv4(args[1]);
  if (!target) {
    format(out, "ping: '{}' is not an IPv4 address (A.B.C.D)\n", args[1]);
    return;
  }
  uint64_t count = 4;
  if (args.size() > 2) {
    auto parsed = parse_u64(args[2]);
    if (!parsed || *parsed == 0 || *parsed > kMaxPings) {
      format(out, "ping: count must be a number from 1 to {}\n", kMaxPings);
      return;
    }
    count = *parsed;
  }
  Pinger pinger(static_cast<uint16_t>(clock::now_ns() >> 10));
  if (auto opened = pinger.open(); !opened) {
    format(out, "ping: cannot open an ICMP socket: {}\n", opened.error());
    return;
  }
  uint64_t received = 0, rtt_min = ~uint64_t{0}, rtt_max = 0, rtt_sum = 0;
  for (uint64_t seq = 1; seq <= count; ++seq) {
    uint64_t sent_at = clock::now_ns();
    if (auto sent = pinger.send(*target, static_cast<uint16_t>(seq)); !sent) {
      format(out, "ping: cannot send: {}\n", sent.error());
      break;
    }
    std::optional<Pinger::Reply> reply;
    wait_for([&] { return (reply = pinger.take_reply()).has_value(); }, sent_at + kPingIntervalNs);
    if (reply) {
      ++received;
      rtt_sum += reply->rtt_ns;
      rtt_min = reply->rtt_ns < rtt_min ? reply->rtt_ns : rtt_min;
      rtt_max = reply->rtt_ns > rtt_max ? reply->rtt_ns : rtt_max;
      format(out, "reply from {}: seq={} ttl={} time=", args[1], seq, reply->ttl);
      format_ms(out, reply->rtt_ns);
      out.write(" ms\n");
    } else {
      format(out, "no reply from {} for seq={} within 1 s\n", args[1], seq);
    }
    if (seq < count) wait_for([] { return false; }, sent_at + kPingIntervalNs);
  }
  format(out, "--- {}: {} sent, {} received, {}% loss", args[1], count, received,
         (count - received) * 100 / count);
  if (received > 0) {
    out.write(", rtt min/avg/max ");
    format_ms(out, rtt_min);
    out.write("/");
    format_ms(out, rtt_sum / received);
    out.write("/");
    format_ms(out, rtt_max);
    out.write(" ms");
  }
  out.write("\n");
  Event event("ping");
  event->field("target", args[1]).field("sent", count).field("received", received);
  if (received > 0) event->field("rtt_avg_us", rtt_sum / received / 1000);
}

}  // namespace godwit::shell
