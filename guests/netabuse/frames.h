// The frames the netabuse guest writes by hand (it runs no network stack, so it can put
// any source address in them): ARP requests and replies (RFC 826) and UDP/IPv4 datagrams
// (RFC 768, RFC 791), and the MAC text of its command line. Pure and header-only,
// unit-tested on the host (tests/unit/guests/netabuse).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace godwit::guest {

struct Endpoint {
  uint8_t mac[6] = {};
  uint8_t ip[4] = {};
};

inline constexpr size_t kEthernetHeader = 14;
inline constexpr size_t kArpFrameBytes = 60;  // 14 + 28, padded to the Ethernet minimum
inline constexpr size_t kUdpOverhead = kEthernetHeader + 20 + 8;
inline constexpr uint16_t kArpRequest = 1, kArpReply = 2;

// Six two-digit hex bytes separated by ':' ("02:67:00:00:01:15"), nothing else.
inline bool parse_mac_text(std::string_view text, uint8_t out[6]) {
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() != 17) return false;
  for (size_t i = 0; i < 6; ++i) {
    int high = digit(text[i * 3]), low = digit(text[i * 3 + 1]);
    if (high < 0 || low < 0 || (i < 5 && text[i * 3 + 2] != ':')) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

namespace frame_detail {

inline void put16(uint8_t* at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}

inline void ethernet(uint8_t* f, const uint8_t to[6], const uint8_t from[6], uint16_t type) {
  std::memcpy(f, to, 6);
  std::memcpy(f + 6, from, 6);
  put16(f + 12, type);
}

// RFC 1071: the one's-complement sum of 16-bit words.
inline uint16_t checksum(const uint8_t* data, size_t bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
  if (bytes % 2 != 0) sum += static_cast<uint32_t>(data[bytes - 1] << 8);
  while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

}  // namespace frame_detail

// An ARP frame from `from` (Ethernet source and ARP sender alike): a request for
// `target_ip` (broadcast, target MAC zero) or a reply to `to`. Returns kArpFrameBytes,
// or 0 if `out` is short.
inline size_t build_arp(uint16_t operation, const Endpoint& from, const Endpoint& to,
                        const uint8_t target_ip[4], std::span<uint8_t> out) {
  using namespace frame_detail;
  static constexpr uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  if (out.size() < kArpFrameBytes) return 0;
  uint8_t* f = out.data();
  std::memset(f, 0, kArpFrameBytes);
  bool request = operation == kArpRequest;
  ethernet(f, request ? kBroadcast : to.mac, from.mac, 0x0806);
  uint8_t* arp = f + kEthernetHeader;
  put16(arp, 1);           // hardware type: Ethernet
  put16(arp + 2, 0x0800);  // protocol type: IPv4
  arp[4] = 6;
  arp[5] = 4;
  put16(arp + 6, operation);
  std::memcpy(arp + 8, from.mac, 6);
  std::memcpy(arp + 14, from.ip, 4);
  if (!request) std::memcpy(arp + 18, to.mac, 6);
  std::memcpy(arp + 24, target_ip, 4);
  return kArpFrameBytes;
}

// A UDP datagram from `from` to `to` carrying `payload_bytes` bytes of `fill` (UDP
// checksum 0: optional over IPv4). Returns the frame's length, or 0 if `out` is short.
inline size_t build_udp(const Endpoint& from, const Endpoint& to, uint16_t source_port, uint16_t dest_port,
                        size_t payload_bytes, uint8_t fill, std::span<uint8_t> out) {
  using namespace frame_detail;
  size_t length = kUdpOverhead + payload_bytes;
  if (out.size() < length || payload_bytes > 1472) return 0;
  uint8_t* f = out.data();
  ethernet(f, to.mac, from.mac, 0x0800);
  uint8_t* ip = f + kEthernetHeader;
  std::memset(ip, 0, 20);
  ip[0] = 0x45;  // version 4, 5 words of header
  put16(ip + 2, static_cast<uint16_t>(20 + 8 + payload_bytes));
  ip[8] = 64;  // TTL
  ip[9] = 17;  // UDP
  std::memcpy(ip + 12, from.ip, 4);
  std::memcpy(ip + 16, to.ip, 4);
  put16(ip + 10, checksum(ip, 20));
  uint8_t* udp = ip + 20;
  put16(udp, source_port);
  put16(udp + 2, dest_port);
  put16(udp + 4, static_cast<uint16_t>(8 + payload_bytes));
  put16(udp + 6, 0);
  std::memset(udp + 8, fill, payload_bytes);
  return length;
}

// If `frame` is an ARP reply whose sender is `ip`, copies the sender's MAC to `mac`.
inline bool arp_reply_from(std::span<const uint8_t> frame, const uint8_t ip[4], uint8_t mac[6]) {
  if (frame.size() < kEthernetHeader + 28 || frame[12] != 0x08 || frame[13] != 0x06) return false;
  const uint8_t* arp = frame.data() + kEthernetHeader;
  if (arp[6] != 0 || arp[7] != kArpReply || std::memcmp(arp + 14, ip, 4) != 0) return false;
  std::memcpy(mac, arp + 8, 6);
  return true;
}

}  // namespace godwit::guest
