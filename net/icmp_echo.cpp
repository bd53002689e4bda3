#include "net/icmp_echo.h"

namespace godwit::net::icmp {

namespace {

constexpr uint8_t kEchoReply = 0;
constexpr uint8_t kEchoRequest = 8;
constexpr uint8_t kProtocolIcmp = 1;

uint8_t payload_byte(uint16_t sequence, size_t i) { return static_cast<uint8_t>(sequence + i * 31); }

uint16_t read16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> bytes) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) sum += read16(bytes, i);
  if (bytes.size() % 2 != 0) sum += uint32_t{bytes.back()} << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

void build_echo_request(std::span<uint8_t, kEchoSize> out, uint16_t id, uint16_t sequence) {
  out[0] = kEchoRequest;
  out[1] = 0;
  out[2] = out[3] = 0;
  out[4] = static_cast<uint8_t>(id >> 8);
  out[5] = static_cast<uint8_t>(id);
  out[6] = static_cast<uint8_t>(sequence >> 8);
  out[7] = static_cast<uint8_t>(sequence);
  for (size_t i = 0; i < kPayloadSize; ++i) out[kHeaderSize + i] = payload_byte(sequence, i);
  uint16_t sum = internet_checksum(out);
  out[2] = static_cast<uint8_t>(sum >> 8);
  out[3] = static_cast<uint8_t>(sum);
}

std::optional<EchoReply> parse_echo_reply(std::span<const uint8_t> packet, uint16_t id) {
  if (packet.size() < 20 || packet[0] >> 4 != 4) return std::nullopt;
  size_t header = size_t{packet[0] & 0xfu} * 4;
  size_t total = read16(packet, 2);
  if (header < 20 || total < header || total > packet.size() || packet[9] != kProtocolIcmp)
    return std::nullopt;
  std::span<const uint8_t> message = packet.subspan(header, total - header);
  if (message.size() != kEchoSize || message[0] != kEchoReply || message[1] != 0) return std::nullopt;
  if (internet_checksum(message) != 0) return std::nullopt;  // a correct sum folds to 0
  if (read16(message, 4) != id) return std::nullopt;
  uint16_t sequence = read16(message, 6);
  for (size_t i = 0; i < kPayloadSize; ++i) {
    if (message[kHeaderSize + i] != payload_byte(sequence, i)) return std::nullopt;
  }
  return EchoReply{sequence, packet[8]};
}

}  // namespace godwit::net::icmp
