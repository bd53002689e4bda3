#include "net/guest_switch.h"

#include <cstring>

namespace godwit::net {

namespace {

constexpr size_t kEthernetHeader = 14;
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr size_t kArpIpv4Bytes = 28;  // RFC 826 for Ethernet/IPv4
constexpr size_t kIpv4MinHeader = 20;

bool same(const uint8_t* a, const uint8_t* b, size_t n) { return std::memcmp(a, b, n) == 0; }
bool group_address(const uint8_t* mac) { return (mac[0] & 1) != 0; }  // broadcast or multicast
uint16_t ether_type(std::span<const uint8_t> f) { return static_cast<uint16_t>(f[12] << 8 | f[13]); }

}  // namespace

bool TokenBucket::take(uint64_t now_ns) {
  uint64_t cap = uint64_t{limit_.burst} * 1000;
  if (started_ && now_ns > last_ns_) {
    // Whole microseconds; gaps beyond 1000 s (a full bucket at any rate) are cut so the
    // product cannot overflow.
    uint64_t elapsed_us = (now_ns - last_ns_) / 1000;
    uint64_t counted_us = elapsed_us > 1'000'000'000 ? 1'000'000'000 : elapsed_us;
    uint64_t refill = counted_us * limit_.frames_per_second / 1000;
    tokens_milli_ = tokens_milli_ + refill > cap ? cap : tokens_milli_ + refill;
    last_ns_ += elapsed_us * 1000;
  }
  if (!started_) {
    started_ = true;
    last_ns_ = now_ns;
  }
  if (tokens_milli_ < 1000) return false;
  tokens_milli_ -= 1000;
  return true;
}

void GuestSwitch::set_host(const MacAddress& mac, const Ipv4Address& ip) {
  has_host_ = true;
  host_mac_ = mac;
  host_ip_ = ip;
}

GuestSwitch::Slot* GuestSwitch::slot(PortId id) {
  return id >= 1 && id <= kMaxGuests && slots_[id - 1].port != nullptr ? &slots_[id - 1] : nullptr;
}

const SwitchPortCounters* GuestSwitch::counters(PortId id) const {
  return id >= 1 && id <= kMaxGuests && slots_[id - 1].port != nullptr ? &slots_[id - 1].counters : nullptr;
}

size_t GuestSwitch::guest_count() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.port != nullptr ? 1 : 0;
  return n;
}

GuestSwitch::Slot* GuestSwitch::owner_of(const uint8_t* mac) {
  for (Slot& s : slots_) {
    if (s.port != nullptr && same(s.mac.bytes, mac, 6)) return &s;
  }
  return nullptr;
}

Expected<GuestSwitch::PortId> GuestSwitch::attach(GuestPort& port, const MacAddress& mac,
                                                  const Ipv4Address& ip, RateLimit limit) {
  if (auto free = identity_free(mac, ip); !free) return free.failure();
  for (size_t i = 0; i < kMaxGuests; ++i) {
    if (slots_[i].port != nullptr) continue;
    slots_[i] = Slot{&port, mac, ip, TokenBucket(limit), {}};
    return static_cast<PortId>(i + 1);
  }
  return fail(Error::kBusy);
}

Status GuestSwitch::identity_free(const MacAddress& mac, const Ipv4Address& ip) const {
  static constexpr uint8_t kZero[6] = {};
  if (group_address(mac.bytes) || same(mac.bytes, kZero, 6)) return fail(Error::kInvalidArgument);
  if (has_host_ && (same(mac.bytes, host_mac_.bytes, 6) || ip == host_ip_)) return fail(Error::kExists);
  for (const Slot& s : slots_) {
    if (s.port != nullptr && (same(s.mac.bytes, mac.bytes, 6) || s.ip == ip)) return fail(Error::kExists);
  }
  return ok();
}

void GuestSwitch::detach(PortId id) {
  if (Slot* s = slot(id)) *s = Slot{};
}

bool GuestSwitch::deliver(std::span<const uint8_t> frame, const Slot* except) {
  if (group_address(frame.data())) {
    for (Slot& s : slots_) {
      if (s.port == nullptr || &s == except) continue;
      ++s.counters.out_frames;
      s.port->deliver(frame);
    }
    return false;
  }
  Slot* target = owner_of(frame.data());
  if (target == nullptr) return false;
  if (target != except) {
    ++target->counters.out_frames;
    target->port->deliver(frame);
  }
  return true;
}

Forwarding GuestSwitch::from_uplink(std::span<const uint8_t> frame) {
  Forwarding f;
  if (frame.size() < kEthernetHeader) {
    f.dropped = true;
    return f;
  }
  bool local_guest = deliver(frame, nullptr);
  bool for_host = group_address(frame.data()) || !has_host_ || same(frame.data(), host_mac_.bytes, 6);
  f.to_host = for_host && !local_guest;
  f.dropped = !local_guest && !f.to_host;
  if (f.dropped) ++uplink_not_local_;
  return f;
}

Forwarding GuestSwitch::from_host(std::span<const uint8_t> frame) {
  Forwarding f;
  if (frame.size() < kEthernetHeader) {
    f.dropped = true;
    return f;
  }
  bool local_guest = deliver(frame, nullptr);
  f.to_uplink = !local_guest;
  return f;
}

bool GuestSwitch::identity_ok(const Slot& s, std::span<const uint8_t> frame, bool& protocol_ok) const {
  protocol_ok = true;
  if (!same(frame.data() + 6, s.mac.bytes, 6)) return false;
  uint16_t type = ether_type(frame);
  std::span<const uint8_t> payload = frame.subspan(kEthernetHeader);
  if (type == kEtherTypeArp) {
    if (payload.size() < kArpIpv4Bytes) return protocol_ok = false;
    // RFC 826: sender hardware address at 8, sender protocol address at 14.
    return same(payload.data() + 8, s.mac.bytes, 6) && same(payload.data() + 14, s.ip.bytes, 4);
  }
  if (type == kEtherTypeIpv4) {
    if (payload.size() < kIpv4MinHeader) return protocol_ok = false;
    return same(payload.data() + 12, s.ip.bytes, 4);  // RFC 791: source address at 12
  }
  return protocol_ok = false;
}

Forwarding GuestSwitch::from_guest(PortId id, std::span<const uint8_t> frame, uint64_t now_ns) {
  Forwarding f;
  f.dropped = true;
  Slot* s = slot(id);
  if (s == nullptr) return f;
  if (frame.size() < kEthernetHeader) {
    ++s->counters.dropped_protocol;
    return f;
  }
  bool protocol_ok = true;
  if (!identity_ok(*s, frame, protocol_ok)) {
    ++(protocol_ok ? s->counters.dropped_spoofed : s->counters.dropped_protocol);
    return f;
  }
  if (!s->bucket.take(now_ns)) {
    ++s->counters.dropped_rate;
    return f;
  }
  ++s->counters.in_frames;
  f.dropped = false;
  bool group = group_address(frame.data());
  bool for_host = has_host_ && (group || same(frame.data(), host_mac_.bytes, 6));
  bool local_guest = deliver(frame, s);
  f.to_host = for_host;
  f.to_uplink = group || (!for_host && !local_guest);
  return f;
}

}  // namespace godwit::net
