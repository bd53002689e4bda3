#include "net/tcp_stream.h"

#include "lwip/ip.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/lwip_types.h"

namespace godwit::net {

std::string_view describe(TcpEnd end) {
  switch (end) {
    case TcpEnd::kPeerClosed: return "the peer closed the connection";
    case TcpEnd::kReset: return "the peer reset the connection";
    case TcpEnd::kRefused: return "connection refused (nothing listens on that port)";
    case TcpEnd::kTimedOut: return "no answer from the peer (timed out)";
    case TcpEnd::kAborted: return "the network stack ended the connection (out of resources)";
  }
  return "ended";
}

// --- TcpStream --------------------------------------------------------------------

Status TcpStream::connect(const Ipv4Address& address, uint16_t port) {
  if (state_ != State::kIdle && state_ != State::kClosed) return fail(Error::kState);
  tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == nullptr) return fail(Error::kOutOfMemory);
  ip_addr_t remote;
  ip_addr_copy_from_ip4(remote, to_lwip(address));
  pcb_ = pcb;
  install_callbacks();
  err_t err = tcp_connect(pcb, &remote, port, lwip_connected);
  if (err != ERR_OK) {
    detach();
    tcp_abort(pcb);
    return fail(err == ERR_RTE ? Error::kNotFound : Error::kOutOfMemory);
  }
  state_ = State::kConnecting;
  peer_address_ = address;
  peer_port_ = port;
  bytes_written_ = bytes_acknowledged_ = bytes_received_ = 0;
  return ok();
}

void TcpStream::attach(tcp_pcb* pcb) {
  pcb_ = pcb;
  install_callbacks();
  state_ = State::kOpen;
  peer_address_ = from_lwip(*ip_2_ip4(&pcb->remote_ip));
  peer_port_ = pcb->remote_port;
  bytes_written_ = bytes_acknowledged_ = bytes_received_ = 0;
  tcp_nagle_disable(pcb);
}

void TcpStream::install_callbacks() {
  tcp_arg(pcb_, this);
  tcp_recv(pcb_, lwip_received);
  tcp_sent(pcb_, lwip_sent);
  tcp_err(pcb_, lwip_error);
}

void TcpStream::detach() {
  if (pcb_ != nullptr) {
    tcp_arg(pcb_, nullptr);
    tcp_recv(pcb_, nullptr);  // lwIP's default then discards data and closes on FIN
    tcp_sent(pcb_, nullptr);
    tcp_err(pcb_, nullptr);
  }
  pcb_ = nullptr;
  state_ = State::kClosed;
}

Expected<size_t> TcpStream::write(std::span<const uint8_t> data) {
  if (state_ != State::kOpen) return fail(Error::kState);
  size_t accepted = 0;
  while (accepted < data.size()) {
    size_t chunk = data.size() - accepted;
    if (chunk > writable()) chunk = writable();
    if (chunk == 0) break;
    err_t err = tcp_write(pcb_, data.data() + accepted, static_cast<u16_t>(chunk), TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) break;  // the segment queue or lwIP's heap is full: later
    if (err != ERR_OK) {
      abort();
      return fail(Error::kIo);
    }
    accepted += chunk;
  }
  bytes_written_ += accepted;
  if (accepted > 0) tcp_output(pcb_);
  return accepted;
}

size_t TcpStream::writable() const {
  if (state_ != State::kOpen) return 0;
  if (tcp_sndqueuelen(pcb_) >= TCP_SND_QUEUELEN) return 0;
  size_t room = tcp_sndbuf(pcb_);
  return room > 0xffff ? 0xffff : room;
}

void TcpStream::close() {
  if (pcb_ == nullptr) return;
  tcp_pcb* pcb = pcb_;
  bool connecting = state_ == State::kConnecting;
  detach();
  // What is still queued goes out in the background, but a peer that never acknowledges
  // (dead, or cut off) would hold this pcb for minutes of retransmissions: at the lowest
  // priority, lwIP takes it back for the next connection that needs one (tcp_alloc's
  // tcp_kill_prio) instead of refusing that one (issue 15, finding 11).
  tcp_setprio(pcb, TCP_PRIO_MIN);
  // tcp_close only fails for want of memory to queue the FIN: then reset instead.
  if (connecting || tcp_close(pcb) != ERR_OK) {
    tcp_abort(pcb);
    aborted_in_callback_ = true;
  }
}

void TcpStream::abort() {
  if (pcb_ == nullptr) return;
  tcp_pcb* pcb = pcb_;
  detach();  // tcp_abort would call our error callback: silence it first
  tcp_abort(pcb);
  aborted_in_callback_ = true;
}

void TcpStream::end(TcpEnd why) {
  pcb_ = nullptr;  // lwIP has freed it (or is about to)
  state_ = State::kClosed;
  events_.on_closed(*this, why);  // may destroy *this: nothing after this line
}

// In each callback: reset the abort flag, run the owner's event, then tell lwIP whether
// the pcb still exists (ERR_ABRT: we aborted it inside the event).
err_t TcpStream::lwip_connected(void* arg, tcp_pcb*, err_t) {
  if (arg == nullptr) return ERR_OK;
  auto* self = static_cast<TcpStream*>(arg);
  self->aborted_in_callback_ = false;
  self->state_ = State::kOpen;
  tcp_nagle_disable(self->pcb_);
  self->events_.on_connected(*self);
  return self->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

err_t TcpStream::lwip_sent(void* arg, tcp_pcb*, u16_t length) {
  if (arg == nullptr) return ERR_OK;
  auto* self = static_cast<TcpStream*>(arg);
  self->aborted_in_callback_ = false;
  self->bytes_acknowledged_ += length;
  self->events_.on_sent(*self, length);
  return self->aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

err_t TcpStream::lwip_received(void* arg, tcp_pcb* pcb, pbuf* chain, err_t err) {
  if (arg == nullptr || err != ERR_OK) {  // lwIP passes errors only with a null chain
    if (chain != nullptr) pbuf_free(chain);
    return ERR_OK;
  }
  auto* self = static_cast<TcpStream*>(arg);
  if (chain == nullptr) {  // FIN: the peer is done; close our side and report
    self->detach();
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      self->end(TcpEnd::kPeerClosed);
      return ERR_ABRT;
    }
    self->end(TcpEnd::kPeerClosed);
    return ERR_OK;
  }
  return self->deliver(chain);
}

// Acknowledges the whole chain first (so a close() inside on_receive is graceful rather
// than a reset for unread data), then hands each piece to the owner.
err_t TcpStream::deliver(pbuf* chain) {
  tcp_recved(pcb_, chain->tot_len);
  if (quick_ack_) {
    tcp_set_flags(pcb_, TF_ACK_NOW);
    tcp_output(pcb_);
  }
  aborted_in_callback_ = false;
  for (pbuf* p = chain; p != nullptr && state_ == State::kOpen; p = p->next) {
    bytes_received_ += p->len;
    events_.on_receive(*this, {static_cast<const uint8_t*>(p->payload), p->len});
  }
  pbuf_free(chain);
  return aborted_in_callback_ ? ERR_ABRT : ERR_OK;
}

void TcpStream::lwip_error(void* arg, err_t err) {
  if (arg == nullptr) return;
  auto* self = static_cast<TcpStream*>(arg);
  bool connecting = self->state_ == State::kConnecting;
  TcpEnd why = TcpEnd::kAborted;
  if (err == ERR_RST) why = connecting ? TcpEnd::kRefused : TcpEnd::kReset;
  if (err == ERR_ABRT) why = connecting ? TcpEnd::kTimedOut : TcpEnd::kAborted;
  if (err == ERR_CLSD) why = TcpEnd::kPeerClosed;
  if (err == ERR_TIMEOUT) why = TcpEnd::kTimedOut;
  self->end(why);
}

TcpCounts tcp_counts() {
  TcpCounts counts;
  for (tcp_pcb* pcb = tcp_active_pcbs; pcb != nullptr; pcb = pcb->next) ++counts.active;
  for (tcp_pcb* pcb = tcp_tw_pcbs; pcb != nullptr; pcb = pcb->next) ++counts.time_wait;
  counts.limit = MEMP_NUM_TCP_PCB;
  return counts;
}

// --- TcpListener ------------------------------------------------------------------

Status TcpListener::listen(uint16_t port, TcpAcceptor& acceptor) {
  if (pcb_ != nullptr) return fail(Error::kState);
  tcp_pcb* pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == nullptr) return fail(Error::kOutOfMemory);
  ip_set_option(pcb, SOF_REUSEADDR);
  if (tcp_bind(pcb, IP4_ADDR_ANY, port) != ERR_OK) {
    tcp_abort(pcb);
    return fail(Error::kBusy);
  }
  err_t err = ERR_OK;
  tcp_pcb* listening = tcp_listen_with_backlog_and_err(pcb, TCP_DEFAULT_LISTEN_BACKLOG, &err);
  if (listening == nullptr) {
    tcp_abort(pcb);
    // With SOF_REUSEADDR the bind succeeds and a second listener is refused here.
    return fail(err == ERR_USE ? Error::kBusy : Error::kOutOfMemory);
  }
  pcb_ = listening;
  acceptor_ = &acceptor;
  port_ = port;
  tcp_arg(pcb_, this);
  tcp_accept(pcb_, lwip_accept);
  return ok();
}

void TcpListener::close() {
  if (pcb_ == nullptr) return;
  tcp_arg(pcb_, nullptr);
  tcp_accept(pcb_, nullptr);
  (void)tcp_close(pcb_);  // a listening pcb closes at once, without memory
  pcb_ = nullptr;
}

err_t TcpListener::lwip_accept(void* arg, tcp_pcb* pcb, err_t err) {
  if (pcb == nullptr || err != ERR_OK) return ERR_VAL;  // lwIP ran out of pcbs
  auto* self = static_cast<TcpListener*>(arg);
  TcpStream* stream =
      self == nullptr ? nullptr
                      : self->acceptor_->on_accept(from_lwip(*ip_2_ip4(&pcb->remote_ip)), pcb->remote_port);
  if (stream == nullptr || stream->state() == TcpStream::State::kConnecting ||
      stream->state() == TcpStream::State::kOpen) {
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  stream->attach(pcb);
  return ERR_OK;
}

}  // namespace godwit::net
