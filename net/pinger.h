// The ICMP side of `ping`: sends echo requests through an lwIP raw pcb and collects the
// matching replies (lwIP's own ICMP code answers other nodes' requests by itself).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "lib/expected.h"
#include "net/ipv4_address.h"

struct raw_pcb;

namespace godwit::net {

class Pinger {
 public:
  struct Reply {
    uint16_t sequence;
    uint8_t ttl;
    uint64_t rtt_ns;
  };

  explicit Pinger(uint16_t id) : id_(id) {}
  Pinger(const Pinger&) = delete;
  Pinger& operator=(const Pinger&) = delete;
  ~Pinger();

  // kOutOfMemory when lwIP has no raw pcb free.
  Status open();
  // Sends request `sequence` to `target` now. kOutOfMemory (no pbuf), kNotFound (no route).
  Status send(const Ipv4Address& target, uint16_t sequence);
  // The reply to the last request sent, once it has arrived (through net::poll).
  std::optional<Reply> take_reply();

  // lwIP's raw receive hook hands every ICMP packet here first: true when it was the
  // reply awaited (then it is consumed), false to let lwIP's ICMP code have it.
  bool offer(std::span<const uint8_t> ip_packet, const Ipv4Address& from, uint64_t now_ns);

 private:
  uint16_t id_;
  raw_pcb* pcb_ = nullptr;
  Ipv4Address target_{};
  uint16_t sequence_ = 0;
  uint64_t sent_ns_ = 0;
  std::optional<Reply> reply_;
};

}  // namespace godwit::net
