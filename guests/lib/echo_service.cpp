#include "guests/lib/echo_service.h"

#include "guests/lib/console.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

namespace godwit::guest {
namespace {

constinit EchoCounts g_counts{};

void udp_echo(void*, udp_pcb* pcb, pbuf* p, const ip_addr_t* from, u16_t port) {
  ++g_counts.udp_datagrams;
  (void)udp_sendto(pcb, p, from, port);
  pbuf_free(p);
}

// Echoes whatever arrives; if the send buffer cannot take it all, refuses the data and
// lwIP offers it again later (the sender is slowed by the window, nothing is lost).
err_t tcp_echo_receive(void*, tcp_pcb* pcb, pbuf* p, err_t) {
  if (p == nullptr) {
    (void)tcp_close(pcb);
    return ERR_OK;
  }
  if (tcp_sndbuf(pcb) < p->tot_len) return ERR_MEM;
  for (pbuf* q = p; q != nullptr; q = q->next) {
    if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK) return ERR_MEM;
    const auto* bytes = static_cast<const uint8_t*>(q->payload);
    for (u16_t i = 0; i < q->len; ++i) g_counts.tcp_lines += bytes[i] == '\n' ? 1 : 0;
  }
  (void)tcp_output(pcb);
  g_counts.tcp_bytes += p->tot_len;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

err_t tcp_echo_accept(void*, tcp_pcb* pcb, err_t error) {
  if (error != ERR_OK || pcb == nullptr) return ERR_VAL;
  ++g_counts.tcp_connections;
  tcp_recv(pcb, tcp_echo_receive);
  return ERR_OK;
}

}  // namespace

bool echo_serve() {
  udp_pcb* udp = udp_new();
  tcp_pcb* listener = tcp_new();
  if (udp == nullptr || listener == nullptr || udp_bind(udp, IP_ADDR_ANY, kEchoPort) != ERR_OK ||
      tcp_bind(listener, IP_ADDR_ANY, kEchoPort) != ERR_OK) {
    println("echo: cannot open port {}", kEchoPort);
    return false;
  }
  udp_recv(udp, udp_echo, nullptr);
  listener = tcp_listen(listener);
  tcp_accept(listener, tcp_echo_accept);
  return true;
}

const EchoCounts& echo_counts() { return g_counts; }

}  // namespace godwit::guest
