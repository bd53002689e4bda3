#include "net/guest_announce.h"

#include <cstring>

namespace godwit::net {

size_t build_gratuitous_arp(const MacAddress& mac, const Ipv4Address& ip, std::span<uint8_t> out) {
  if (out.size() < kGratuitousArpBytes) return 0;
  uint8_t* f = out.data();
  std::memset(f, 0, kGratuitousArpBytes);
  std::memset(f, 0xff, 6);           // destination: broadcast
  std::memcpy(f + 6, mac.bytes, 6);  // source: the guest
  f[12] = 0x08, f[13] = 0x06;        // EtherType ARP
  uint8_t* arp = f + 14;             // RFC 826: Ethernet (1), IPv4 (0x0800), 6, 4, request (1)
  arp[0] = 0, arp[1] = 1, arp[2] = 0x08, arp[3] = 0x00, arp[4] = 6, arp[5] = 4, arp[6] = 0, arp[7] = 1;
  std::memcpy(arp + 8, mac.bytes, 6);  // sender hardware address
  std::memcpy(arp + 14, ip.bytes, 4);  // sender protocol address
  // target hardware address stays zero (RFC 5227 section 2.3)
  std::memcpy(arp + 24, ip.bytes, 4);  // target protocol address: the same address
  return kGratuitousArpBytes;
}

void AnnounceSchedule::start(uint64_t now_ns) {
  started_ = true;
  sent_ = 0;
  next_ns_ = now_ns;
}

bool AnnounceSchedule::take_due(uint64_t now_ns) {
  if (!active() || now_ns < next_ns_) return false;
  // Counted from when the round was due, not when it was polled, so late polls do not
  // stretch the whole announcement.
  next_ns_ += kInitialNs + uint64_t{sent_} * kStepNs;
  ++sent_;
  return true;
}

}  // namespace godwit::net
