// netabuse: a guest that misuses its virtio-net card on purpose, one way per run, so the
// tests show the node's switch and device holding it alone (issue 14). It runs no
// network stack: it writes its frames by hand (guests/netabuse/frames.h).
//
//   new netabuse mem=4M net=10.0.0.31/24 mode=<mode> [victim=A.B.C.D] [victim_mac=..]
//       [to=10.0.0.254] [count=50] [report_ms=1000]
//   spoof-mac    gratuitous ARP and UDP broadcasts as victim_mac/victim (another guest's
//                or the node's identity), `count` rounds 10 ms apart, then idles
//   spoof-ip     the same from its own MAC, claiming the victim's address (ARP poisoning)
//   flood        UDP datagrams to `to` (its MAC found by ARP) as fast as the card takes
//                them, a full queue per notification; reports what it queued
//   bad-index    a transmit available-ring entry naming descriptor 999 of 16
//   bad-length   a transmit descriptor of 64 KiB (a frame is at most 1514 bytes)
//   bad-address  a transmit descriptor just past the guest's RAM
// The bad-* modes must end the guest (device-error); if the notification returns, it
// says so and exits 1.
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"
#include "guests/lib/ipv4_text.h"
#include "guests/lib/params.h"
#include "guests/lib/time.h"
#include "guests/lib/virtio_mmio_net.h"
#include "guests/netabuse/frames.h"

namespace {

using namespace godwit::guest;

constexpr uint16_t kDiscardPort = 9;

constinit VirtioMmioNet g_nic;
constinit uint8_t g_frame[VirtioMmioNet::kMaxFrame] = {};

bool param_ip(std::string_view key, std::string_view fallback, uint8_t out[4]) {
  std::string_view text = param_text(key, fallback);
  if (parse_ipv4_text(text, out)) return true;
  println("guest: bad parameter {}={} (an address such as 10.0.0.21)", key, text);
  return false;
}

// Throws away whatever arrives (the receive queue must not stay full), or looks for the
// ARP reply from `ip` when `mac` is given.
bool drain(const uint8_t* ip = nullptr, uint8_t* mac = nullptr) {
  bool found = false;
  g_nic.poll(
      [&](std::span<const uint8_t> frame) {
        if (ip != nullptr && arp_reply_from(frame, ip, mac)) found = true;
      },
      VirtioMmioNet::kQueueSize);
  return found;
}

// The MAC of `target->ip`, asked for from our own identity once every 200 ms.
bool resolve(const Endpoint& self, Endpoint& target) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    size_t n = build_arp(kArpRequest, self, target, target.ip, g_frame);
    (void)g_nic.send({g_frame, n});
    uint64_t deadline = time_ns() + 200 * kNsPerMs;
    while (time_ns() < deadline) {
      if (drain(target.ip, target.mac)) return true;
      (void)block_until(time_ns() + kNsPerMs);
    }
  }
  println("netabuse: no ARP reply from {}.{}.{}.{}", target.ip[0], target.ip[1], target.ip[2], target.ip[3]);
  return false;
}

[[noreturn]] void idle() {
  for (;;) {
    drain();
    (void)block_until(time_ns() + 10 * kNsPerMs);
  }
}

int spoof(const Endpoint& as, uint64_t rounds) {
  static constexpr Endpoint kBroadcast{{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {255, 255, 255, 255}};
  uint64_t sent = 0;
  for (uint64_t round = 0; round < rounds; ++round) {
    size_t n = build_arp(kArpRequest, as, kBroadcast, as.ip, g_frame);
    sent += g_nic.send({g_frame, n}) ? 1 : 0;
    n = build_udp(as, kBroadcast, kDiscardPort, kDiscardPort, 32, 0x5a, g_frame);
    sent += g_nic.send({g_frame, n}) ? 1 : 0;
    drain();
    sleep_ms(10);
  }
  println("netabuse: sent {} spoofed frames as {:x}:{:x}:{:x}:{:x}:{:x}:{:x} {}.{}.{}.{}", sent, as.mac[0],
          as.mac[1], as.mac[2], as.mac[3], as.mac[4], as.mac[5], as.ip[0], as.ip[1], as.ip[2], as.ip[3]);
  idle();
}

[[noreturn]] void flood(const Endpoint& self, Endpoint& to, uint64_t report_ns) {
  if (!resolve(self, to)) idle();
  println("netabuse: flooding {}.{}.{}.{} at {:x}:{:x}:{:x}:{:x}:{:x}:{:x}", to.ip[0], to.ip[1], to.ip[2],
          to.ip[3], to.mac[0], to.mac[1], to.mac[2], to.mac[3], to.mac[4], to.mac[5]);
  size_t n = build_udp(self, to, kDiscardPort, kDiscardPort, 512, 0xa5, g_frame);
  uint64_t queued = 0, busy = 0;
  uint64_t next_report = time_ns() + report_ns;
  for (;;) {
    while (g_nic.queue({g_frame, n})) ++queued;
    ++busy;
    g_nic.kick();
    drain();
    if (time_ns() >= next_report) {
      println("netabuse: flood queued={} full_queue={}", queued, busy);
      next_report = time_ns() + report_ns;
    }
  }
}

// Puts one broken entry on the transmit queue and notifies: the hypervisor must end us.
int break_queue(std::string_view mode) {
  godwit::virtio::SplitVirtqueue& tx = g_nic.transmit_queue();
  if (mode == "bad-index") {
    // The available ring (virtio 1.1, 2.6.6): flags, idx, ring[size]; identity-mapped.
    auto* avail = reinterpret_cast<volatile uint16_t*>(tx.driver_address());
    uint16_t index = avail[1];
    avail[2 + index % tx.size()] = 999;
    asm volatile("" ::: "memory");  // the entry before the index (x86 keeps store order)
    avail[1] = static_cast<uint16_t>(index + 1);
  } else {
    uint64_t address = mode == "bad-length" ? gpa_of(g_frame) : boot_info().memory_bytes;
    uint32_t length = mode == "bad-length" ? 65536 : 72;
    if (!tx.add(address, length, false)) return 1;
    (void)tx.publish();
  }
  println("netabuse: {} posted, notifying", mode);
  g_nic.kick();
  println("netabuse: {} was NOT stopped", mode);
  return 1;
}

}  // namespace

int main() {
  uint8_t prefix = 0;
  Endpoint self, victim, to;
  if (!parse_ipv4_prefix_text(param_text("net", ""), self.ip, prefix)) {
    println("guest: bad parameter net={} (an address and prefix such as 10.0.0.31/24)",
            param_text("net", ""));
    return kExitBadParameter;
  }
  std::string_view mode = param_text("mode", "");
  uint64_t rounds = param_u64("count", 50, 1, 100'000);
  uint64_t report_ns = param_u64("report_ms", 1000, 10, 3'600'000) * kNsPerMs;
  if (!param_ip("to", "10.0.0.254", to.ip)) return kExitBadParameter;
  bool spoofing = mode == "spoof-mac" || mode == "spoof-ip";
  if (spoofing && !param_ip("victim", "", victim.ip)) return kExitBadParameter;
  if (mode == "spoof-mac" && !parse_mac_text(param_text("victim_mac", ""), victim.mac)) {
    println("guest: bad parameter victim_mac={} (a MAC such as 02:67:00:00:01:15)",
            param_text("victim_mac", ""));
    return kExitBadParameter;
  }
  if (!g_nic.start()) return 1;
  for (int i = 0; i < 6; ++i) self.mac[i] = g_nic.mac()[i];
  println("netabuse: up as {}.{}.{}.{}/{}, mode {}", self.ip[0], self.ip[1], self.ip[2], self.ip[3], prefix,
          mode);
  if (mode == "spoof-mac") return spoof(victim, rounds);
  if (mode == "spoof-ip") {
    for (int i = 0; i < 6; ++i) victim.mac[i] = self.mac[i];
    return spoof(victim, rounds);
  }
  if (mode == "flood") flood(self, to, report_ns);
  if (mode == "bad-index" || mode == "bad-length" || mode == "bad-address") return break_queue(mode);
  println(
      "netabuse: unknown mode '{}'; one of spoof-mac, spoof-ip, flood, bad-index, bad-length, bad-address",
      mode);
  return kExitBadParameter;
}
