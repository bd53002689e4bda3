// ICMP echo (RFC 792) as `ping` sends and checks it, over plain bytes so the parsing of
// untrusted replies is tested on the host. Request: type 8, code 0, checksum, id, seq,
// then kPayloadSize bytes of a pattern derived from the sequence number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace godwit::net::icmp {

inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kPayloadSize = 56;  // as the usual ping: 64-byte ICMP message
inline constexpr size_t kEchoSize = kHeaderSize + kPayloadSize;

// The Internet checksum (RFC 1071) of `bytes`.
uint16_t internet_checksum(std::span<const uint8_t> bytes);

// An ICMP echo request (RFC 792) with this id and sequence, a payload derived from the
// sequence (so a reply can be checked byte for byte) and its checksum filled in.
void build_echo_request(std::span<uint8_t, kEchoSize> out, uint16_t id, uint16_t sequence);

struct EchoReply {
  uint16_t sequence;
  uint8_t ttl;
};

// Checks an IPv4 packet (header included) for being an intact echo reply to one of our
// requests with this id: IPv4 header sane, protocol ICMP, type 0 code 0, checksum right,
// id ours, payload as sent. nullopt for anything else (someone else's ICMP, or garbage).
std::optional<EchoReply> parse_echo_reply(std::span<const uint8_t> ip_packet, uint16_t id);

}  // namespace godwit::net::icmp
