// The node's Ethernet switch between its NIC (the uplink), its own lwIP interface (the
// host port) and the guests' virtio-net devices (decision 0012). Pure: the uplink and the
// host are the caller's (NicNetif transmits and feeds lwIP as each Forwarding says);
// guest ports are GuestPort sinks the switch delivers to itself.
//
// Forwarding is by destination MAC over a table that is all configuration: the host's MAC
// and each guest's. Broadcast and multicast go to every port but the one they came from;
// other unicast from a guest or the host goes to the uplink; unicast from the uplink for
// no local MAC is dropped (the NIC is promiscuous). Nothing is learned, so a guest cannot
// fill or poison the table.
//
// A guest port is held to its identity: its frames must carry its own source MAC, and
// ARP and IPv4 its own IPv4 address; other EtherTypes (IPv6, VLAN tags) are refused. A
// token bucket per guest port bounds its frame rate, so a flooding guest costs the node a
// bounded share of its time and of the uplink. Every drop is counted per port.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/nic/nic.h"
#include "lib/expected.h"
#include "net/ipv4_address.h"

namespace godwit::net {

// Where the switch delivers frames for one guest (its virtio-net device). The span is
// valid only during the call; deliver() must not call back into the switch.
class GuestPort {
 public:
  virtual void deliver(std::span<const uint8_t> frame) = 0;

 protected:
  ~GuestPort() = default;
};

struct RateLimit {
  uint32_t frames_per_second = 4000;
  uint32_t burst = 128;
};

// A token bucket: `burst` frames at once, refilled at the rate. Time comes from the caller.
class TokenBucket {
 public:
  TokenBucket() : TokenBucket(RateLimit{}) {}
  explicit TokenBucket(RateLimit limit) : limit_(limit), tokens_milli_(uint64_t{limit.burst} * 1000) {}
  bool take(uint64_t now_ns);

 private:
  RateLimit limit_;
  uint64_t tokens_milli_;  // thousandths of a frame, so slow rates still refill smoothly
  uint64_t last_ns_ = 0;
  bool started_ = false;
};

struct SwitchPortCounters {
  uint64_t in_frames = 0;         // frames the port sent into the switch and were forwarded
  uint64_t out_frames = 0;        // frames delivered to the port
  uint64_t dropped_spoofed = 0;   // a source MAC or IPv4 address not its own
  uint64_t dropped_protocol = 0;  // not ARP or IPv4, or too short for its header
  uint64_t dropped_rate = 0;      // over its rate limit
};

// What the caller must still do with a frame: the switch has already delivered it to
// every guest it was for.
struct Forwarding {
  bool to_uplink = false;
  bool to_host = false;
  bool dropped = false;
};

class GuestSwitch {
 public:
  static constexpr size_t kMaxGuests = 16;
  using PortId = uint32_t;  // 1.. for guests; 0 is never a port

  // The node's own interface (lwIP's MAC and address), when networking is on.
  void set_host(const MacAddress& mac, const Ipv4Address& ip);
  // kInvalidArgument for a multicast or zero MAC; kExists when the MAC or the IPv4
  // address is the host's or another guest's; kBusy when every port is taken.
  Expected<PortId> attach(GuestPort& port, const MacAddress& mac, const Ipv4Address& ip,
                          RateLimit limit = {});
  // Whether attach would take this identity (its errors other than kBusy), without
  // taking it: an arriving guest is checked before it is acknowledged, plugged later.
  Status identity_free(const MacAddress& mac, const Ipv4Address& ip) const;
  void detach(PortId id);

  Forwarding from_uplink(std::span<const uint8_t> frame);
  Forwarding from_host(std::span<const uint8_t> frame);
  Forwarding from_guest(PortId id, std::span<const uint8_t> frame, uint64_t now_ns);

  const SwitchPortCounters* counters(PortId id) const;
  uint64_t uplink_not_local() const { return uplink_not_local_; }
  size_t guest_count() const;

 private:
  struct Slot {
    GuestPort* port = nullptr;
    MacAddress mac;
    Ipv4Address ip;
    TokenBucket bucket;
    SwitchPortCounters counters;
  };
  Slot* slot(PortId id);
  Slot* owner_of(const uint8_t* mac);
  // Delivers to guests other than `except`; returns whether the destination was local.
  bool deliver(std::span<const uint8_t> frame, const Slot* except);
  bool identity_ok(const Slot& s, std::span<const uint8_t> frame, bool& protocol_ok) const;

  Slot slots_[kMaxGuests];
  bool has_host_ = false;
  MacAddress host_mac_;
  Ipv4Address host_ip_;
  uint64_t uplink_not_local_ = 0;
};

}  // namespace godwit::net
