// Telling the network where a guest now is after it moved to this node: gratuitous ARP
// (an ARP request for the guest's own IPv4 address from its MAC, RFC 5227 section 3),
// sent in rounds as QEMU's announce does, so that the bridge learns the new port and
// every peer refreshes its ARP cache even if one frame is lost. Pure: the caller sends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/nic/nic.h"
#include "net/ipv4_address.h"

namespace godwit::net {

inline constexpr size_t kGratuitousArpBytes = 60;  // the Ethernet minimum, padded

// Writes the broadcast frame into `out` and returns its length, or 0 if `out` is short.
size_t build_gratuitous_arp(const MacAddress& mac, const Ipv4Address& ip, std::span<uint8_t> out);

// When the announcement's frames are due: the first at once, then after 50, 150, 250
// and 350 ms (QEMU's announce defaults: 5 rounds, 50 ms initial, 100 ms step).
class AnnounceSchedule {
 public:
  static constexpr uint32_t kRounds = 5;
  static constexpr uint64_t kInitialNs = 50'000'000;
  static constexpr uint64_t kStepNs = 100'000'000;

  void start(uint64_t now_ns);
  // Whether a frame is due at `now_ns`; true once per round, then the next round waits.
  bool take_due(uint64_t now_ns);
  bool active() const { return sent_ < kRounds && started_; }
  uint32_t sent() const { return sent_; }

 private:
  bool started_ = false;
  uint32_t sent_ = 0;
  uint64_t next_ns_ = 0;
};

}  // namespace godwit::net
