#include "net/nic_netif.h"

#include "lwip/etharp.h"
#include "lwip/stats.h"
#include "net/frame_gather.h"
#include "net/lwip_types.h"
#include "netif/ethernet.h"

namespace godwit::net {

Status NicNetif::start(Nic& nic, const NetConfig& config) {
  if (nic_ != nullptr) return fail(Error::kState);
  nic_ = &nic;
  config_ = config;
  ip4_addr_t address = to_lwip(config.interface.address);
  ip4_addr_t netmask = to_lwip(config.interface.netmask());
  ip4_addr_t gateway = to_lwip(config.gateway.value_or(Ipv4Address{}));
  // ethernet_input: lwIP's own demultiplexer for ARP and IPv4 frames (NO_SYS: no queue).
  if (netif_add(&netif_, &address, &netmask, &gateway, this, init_callback, ethernet_input) == nullptr) {
    nic_ = nullptr;
    return fail(Error::kState);
  }
  netif_set_default(&netif_);
  netif_set_up(&netif_);
  update_link();
  return ok();
}

void NicNetif::stop() {
  if (nic_ == nullptr) return;
  netif_remove(&netif_);
  for (size_t i = 0; i < from_guests_count_; ++i) pbuf_free(from_guests_[i]);
  from_guests_count_ = 0;
  switch_ = nullptr;
  for (; held_count_ > 0; --held_count_, held_head_ = (held_head_ + 1) % kHeldMax)
    pbuf_free(held_[held_head_]);
  nic_ = nullptr;
}

err_t NicNetif::init_callback(netif* self) {
  auto* owner = static_cast<NicNetif*>(self->state);
  MacAddress mac = owner->nic_->mac();
  self->name[0] = 'e';
  self->name[1] = 'n';
  self->mtu = 1500;
  self->hwaddr_len = ETH_HWADDR_LEN;
  for (size_t i = 0; i < ETH_HWADDR_LEN; ++i) self->hwaddr[i] = mac.bytes[i];
  self->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  self->output = etharp_output;
  self->linkoutput = link_output;
  return ERR_OK;
}

void NicNetif::update_link() {
  bool up = nic_->link_up();
  if (up && !netif_is_link_up(&netif_)) netif_set_link_up(&netif_);
  if (!up && netif_is_link_up(&netif_)) netif_set_link_down(&netif_);
}

void NicNetif::attach_switch(GuestSwitch& guest_switch) {
  switch_ = &guest_switch;
  switch_->set_host(nic_->mac(), config_.interface.address);
}

void NicNetif::from_guest(GuestSwitch::PortId port, std::span<const uint8_t> frame, uint64_t now_ns) {
  if (switch_ == nullptr) return;
  Forwarding f = switch_->from_guest(port, frame, now_ns);
  if (f.to_uplink) {
    const std::span<const uint8_t> pieces[1] = {frame};
    // The node's own frames first: while any wait for a descriptor, guests' frames for
    // the link are dropped rather than queued ahead of them.
    if (held_count_ != 0 || !nic_->transmit(pieces)) ++counters_.guest_to_link_dropped;
  }
  if (f.to_host) queue_for_lwip(frame, counters_.guest_to_host_dropped);
}

void NicNetif::queue_for_lwip(std::span<const uint8_t> frame, uint64_t& drops) {
  if (from_guests_count_ == kFromGuestsMax || frame.size() > Nic::kMaxFrame) {
    ++drops;
    return;
  }
  pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_POOL);
  if (p == nullptr) {
    ++drops;
    return;
  }
  (void)pbuf_take(p, frame.data(), static_cast<u16_t>(frame.size()));
  from_guests_[from_guests_count_++] = p;
}

bool NicNetif::poll(uint64_t now_ns) {
  if (nic_ == nullptr) return false;
  if (now_ns >= next_link_check_ns_) {
    update_link();
    next_link_check_ns_ = now_ns + kLinkCheckNs;
  }
  bool moved = send_held();
  received_count_ = 0;
  moved |= nic_->poll(*this, kPollBudget) > 0;
  for (size_t i = 0; i < received_count_; ++i) {
    // On success lwIP owns the pbuf; on failure (not ARP or IPv4, say) it is ours.
    if (netif_.input(received_[i], &netif_) != ERR_OK) pbuf_free(received_[i]);
  }
  moved |= received_count_ > 0;
  received_count_ = 0;
  // Taken out of the queue first: lwIP's replies may reach guests, which may answer at
  // once only from their next exit, never into this loop.
  size_t from_guests = from_guests_count_;
  pbuf* queued[kFromGuestsMax];
  for (size_t i = 0; i < from_guests; ++i) queued[i] = from_guests_[i];
  from_guests_count_ = 0;
  for (size_t i = 0; i < from_guests; ++i) {
    if (netif_.input(queued[i], &netif_) != ERR_OK) pbuf_free(queued[i]);
  }
  moved |= from_guests > 0;
  return moved;
}

void NicNetif::receive(std::span<const uint8_t> frame) {
  if (frame.size() < Nic::kMinFrame || frame.size() > Nic::kMaxFrame) {
    ++counters_.rx_bad_length;
    LINK_STATS_INC(link.lenerr);
    return;
  }
  if (switch_ != nullptr && !switch_->from_uplink(frame).to_host) return;
  if (received_count_ == kPollBudget) {
    ++counters_.rx_over_budget;
    LINK_STATS_INC(link.drop);
    return;
  }
  pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_POOL);
  if (p == nullptr) {
    ++counters_.rx_no_pbuf;
    LINK_STATS_INC(link.memerr);
    LINK_STATS_INC(link.drop);
    return;
  }
  // Cannot fail: the pbuf was allocated for exactly this length.
  (void)pbuf_take(p, frame.data(), static_cast<u16_t>(frame.size()));
  LINK_STATS_INC(link.recv);
  received_[received_count_++] = p;
}

err_t NicNetif::link_output(netif* self, pbuf* chain) {
  return static_cast<NicNetif*>(self->state)->output(chain);
}

// Frames leave in the order lwIP gives them: once one is held, later ones queue behind it.
err_t NicNetif::output(pbuf* chain) {
  if (chain->tot_len > Nic::kMaxFrame) {
    ++counters_.tx_dropped;
    LINK_STATS_INC(link.drop);
    return ERR_IF;
  }
  if (switch_ != nullptr && switch_->guest_count() > 0) {
    u16_t length = pbuf_copy_partial(chain, bounce_, chain->tot_len, 0);
    if (!switch_->from_host({bounce_, length}).to_uplink) return ERR_OK;
  }
  if (held_count_ == 0) {
    Status sent = transmit(chain);
    if (sent) return ERR_OK;
    if (sent.error() != Error::kBusy) {
      ++counters_.tx_errors;
      LINK_STATS_INC(link.err);
      return ERR_IF;
    }
  }
  if (held_count_ == kHeldMax) {
    ++counters_.tx_dropped;
    LINK_STATS_INC(link.drop);
    return ERR_MEM;
  }
  pbuf_ref(chain);
  held_[(held_head_ + held_count_++) % kHeldMax] = chain;
  ++counters_.tx_held;
  return ERR_OK;
}

Status NicNetif::transmit(pbuf* chain) {
  std::span<const uint8_t> pieces[kMaxPieces];
  size_t count = gather_pbuf_chain(chain, pieces);
  if (count == 0) {
    u16_t copied = pbuf_copy_partial(chain, bounce_, chain->tot_len, 0);
    pieces[0] = {bounce_, copied};
    count = 1;
  }
  Status sent = nic_->transmit({pieces, count});
  if (sent) LINK_STATS_INC(link.xmit);
  return sent;
}

bool NicNetif::send_held() {
  bool sent_any = false;
  while (held_count_ > 0) {
    pbuf* chain = held_[held_head_];
    Status sent = transmit(chain);
    if (!sent && sent.error() == Error::kBusy) break;
    if (!sent) ++counters_.tx_errors;
    pbuf_free(chain);
    held_head_ = (held_head_ + 1) % kHeldMax;
    --held_count_;
    sent_any = true;
  }
  return sent_any;
}

}  // namespace godwit::net
