#include "guests/lib/guest_netif.h"

#include "guests/lib/console.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

namespace godwit::guest {

namespace {

constinit netif g_netif{};
constinit VirtioMmioNet* g_nic = nullptr;
constinit GuestNetCounters g_counters{};
constinit uint8_t g_frame[VirtioMmioNet::kMaxFrame] = {};

err_t link_output(netif*, pbuf* chain) {
  if (chain->tot_len > sizeof g_frame) {
    ++g_counters.tx_dropped;
    return ERR_IF;
  }
  u16_t length = pbuf_copy_partial(chain, g_frame, chain->tot_len, 0);
  if (!g_nic->send({g_frame, length})) {
    ++g_counters.tx_dropped;  // every buffer in flight: TCP retransmits, others are lost
    return ERR_OK;
  }
  ++g_counters.tx_frames;
  return ERR_OK;
}

err_t init_netif(netif* self) {
  self->name[0] = 'v';
  self->name[1] = 'n';
  self->mtu = 1500;
  self->hwaddr_len = ETH_HWADDR_LEN;
  for (int i = 0; i < ETH_HWADDR_LEN; ++i) self->hwaddr[i] = g_nic->mac()[i];
  self->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
  self->output = etharp_output;
  self->linkoutput = link_output;
  return ERR_OK;
}

}  // namespace

bool net_start(VirtioMmioNet& nic, const uint8_t address[4], uint8_t prefix) {
  g_nic = &nic;
  lwip_init();
  ip4_addr_t ip, mask, gateway;
  IP4_ADDR(&ip, address[0], address[1], address[2], address[3]);
  uint32_t mask_host = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  ip4_addr_set_u32(&mask, lwip_htonl(mask_host));
  ip4_addr_set_zero(&gateway);
  if (netif_add(&g_netif, &ip, &mask, &gateway, nullptr, init_netif, ethernet_input) == nullptr) {
    println("net: lwIP refused the interface");
    return false;
  }
  netif_set_default(&g_netif);
  netif_set_link_up(&g_netif);
  netif_set_up(&g_netif);  // announces the address with a gratuitous ARP
  return true;
}

bool net_poll() {
  size_t got = g_nic->poll(
      [](std::span<const uint8_t> frame) {
        pbuf* p = pbuf_alloc(PBUF_RAW, static_cast<u16_t>(frame.size()), PBUF_POOL);
        if (p == nullptr) {
          ++g_counters.rx_no_pbuf;
          return;
        }
        (void)pbuf_take(p, frame.data(), static_cast<u16_t>(frame.size()));
        ++g_counters.rx_frames;
        if (g_netif.input(p, &g_netif) != ERR_OK) pbuf_free(p);
      },
      VirtioMmioNet::kQueueSize);
  sys_check_timeouts();
  return got > 0;
}

netif& net_interface() { return g_netif; }
const GuestNetCounters& net_counters() { return g_counters; }

}  // namespace godwit::guest
