#include "net/pinger.h"

#include "lwip/ip.h"
#include "lwip/pbuf.h"
#include "lwip/raw.h"
#include "net/icmp_echo.h"
#include "net/lwip_port.h"
#include "net/lwip_types.h"

namespace godwit::net {

namespace {

// Every ICMP packet lwIP receives passes here before lwIP's own ICMP handling.
u8_t raw_received(void* arg, raw_pcb*, pbuf* packet, const ip_addr_t* from) {
  uint8_t copy[128];  // an echo reply is 84 bytes with a 20-byte IP header; options fit
  if (packet->tot_len > sizeof copy) return 0;
  u16_t length = pbuf_copy_partial(packet, copy, packet->tot_len, 0);
  auto* pinger = static_cast<Pinger*>(arg);
  if (!pinger->offer({copy, length}, from_lwip(*ip_2_ip4(from)), lwip_now_ns())) return 0;
  pbuf_free(packet);
  return 1;
}

}  // namespace

Pinger::~Pinger() {
  if (pcb_ != nullptr) raw_remove(pcb_);
}

Status Pinger::open() {
  if (pcb_ != nullptr) return ok();
  pcb_ = raw_new(IP_PROTO_ICMP);
  if (pcb_ == nullptr) return fail(Error::kOutOfMemory);
  raw_recv(pcb_, raw_received, this);
  return ok();
}

Status Pinger::send(const Ipv4Address& target, uint16_t sequence) {
  if (pcb_ == nullptr) return fail(Error::kState);
  pbuf* p = pbuf_alloc(PBUF_IP, icmp::kEchoSize, PBUF_RAM);
  if (p == nullptr) return fail(Error::kOutOfMemory);
  icmp::build_echo_request(
      std::span<uint8_t, icmp::kEchoSize>(static_cast<uint8_t*>(p->payload), icmp::kEchoSize), id_, sequence);
  target_ = target;
  sequence_ = sequence;
  reply_.reset();
  sent_ns_ = lwip_now_ns();
  ip_addr_t to;
  ip_addr_copy_from_ip4(to, to_lwip(target));
  err_t err = raw_sendto(pcb_, p, &to);
  pbuf_free(p);
  if (err == ERR_RTE) return fail(Error::kNotFound);
  // ERR_OK also when the request waits for an ARP reply: it goes out once that arrives.
  return err == ERR_OK ? ok() : fail(Error::kOutOfMemory);
}

bool Pinger::offer(std::span<const uint8_t> packet, const Ipv4Address& from, uint64_t now_ns) {
  auto reply = icmp::parse_echo_reply(packet, id_);
  if (!reply || !(from == target_) || reply->sequence != sequence_) return false;
  reply_ = Reply{reply->sequence, reply->ttl, now_ns - sent_ns_};
  return true;
}

std::optional<Pinger::Reply> Pinger::take_reply() {
  auto reply = reply_;
  reply_.reset();
  return reply;
}

}  // namespace godwit::net
