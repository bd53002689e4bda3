// TCP connections for the hypervisor, over lwIP's raw API: one TcpStream object per
// connection, events delivered to a TcpEvents the owner implements, errors as values.
// Used by `tcpbench` and by live migration.
//
// Contract (read this before coding against it):
// - Everything runs on the hypervisor's one thread, inside net::poll() (the idle loop,
//   or a shell command's own wait loop). Events are callbacks from inside net::poll();
//   nothing happens between two polls.
// - A stream is Idle, Connecting, Open or Closed. connect() (Idle/Closed -> Connecting)
//   reports on_connected (-> Open) or on_closed(kRefused / kTimedOut) (-> Closed).
//   A TcpListener hands an accepted connection to an Idle/Closed stream the acceptor
//   picks (-> Open, without on_connected).
// - write(data) copies as many bytes as lwIP's send buffer takes now (possibly 0, never
//   more than data.size()) and returns that count; the rest is yours to offer again after
//   on_sent, which reports bytes the peer acknowledged. writable() says how much the
//   next write takes. Bytes accepted by write() are delivered in order or the stream ends
//   with on_closed(reason): there is no silent loss.
// - on_receive(data) gives bytes in order; the span is valid only during the call and
//   the bytes count as consumed when it returns (the window reopens at once).
// - on_closed(reason) is the last event, reported once: the peer closed (kPeerClosed,
//   and this side closes too), reset (kReset), lwIP gave up (kTimedOut, kAborted). The
//   stream is Closed and may be destroyed inside on_closed or reused.
// - close() ends the connection gracefully: bytes already accepted are still sent, in
//   the background; abort() resets it at once. Neither reports on_closed (you asked).
//   Both may be called from inside any event. Destroying an Open stream aborts it.
// - Do not destroy a stream from inside on_connected, on_receive or on_sent (close or
//   abort it there instead). A misbehaving peer ends its connection, never the machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "lib/expected.h"
#include "net/ipv4_address.h"

struct tcp_pcb;
struct pbuf;

namespace godwit::net {

enum class TcpEnd : uint8_t {
  kPeerClosed,  // the peer finished sending and closed
  kReset,       // the peer reset the connection
  kRefused,     // connect(): the peer answered with a reset (nothing listens there)
  kTimedOut,    // no answer: the connection attempt or retransmissions gave up
  kAborted,     // lwIP ended the connection (out of resources)
};
// A short phrase for the end ("the peer refused the connection"), for messages.
std::string_view describe(TcpEnd end);

class TcpStream;

// lwIP's TCP connections right now, for `net` and for tests that check a failure gave
// everything back: `active` counts every connection not yet fully closed (including
// ones closing in the background), `time_wait` those lingering in TIME-WAIT (lwIP
// reuses them first when it runs out), `limit` the pcbs it has (MEMP_NUM_TCP_PCB).
struct TcpCounts {
  uint32_t active = 0;
  uint32_t time_wait = 0;
  uint32_t limit = 0;
};
TcpCounts tcp_counts();

class TcpEvents {
 public:
  virtual void on_connected(TcpStream&) {}
  virtual void on_receive(TcpStream& stream, std::span<const uint8_t> data) = 0;
  virtual void on_sent(TcpStream&, size_t /*acknowledged*/) {}
  virtual void on_closed(TcpStream& stream, TcpEnd why) = 0;

 protected:
  ~TcpEvents() = default;
};

class TcpStream {
 public:
  enum class State : uint8_t { kIdle, kConnecting, kOpen, kClosed };

  explicit TcpStream(TcpEvents& events) : events_(events) {}
  TcpStream(const TcpStream&) = delete;
  TcpStream& operator=(const TcpStream&) = delete;
  ~TcpStream() { abort(); }

  // Starts connecting. kState unless Idle or Closed; kOutOfMemory when lwIP has no pcb;
  // kNotFound when no interface reaches `address`.
  Status connect(const Ipv4Address& address, uint16_t port);
  // Copies up to data.size() bytes into the send buffer; returns how many (maybe 0).
  // kState unless Open.
  Expected<size_t> write(std::span<const uint8_t> data);
  // How many bytes write() would accept now (0 unless Open, at most 65535).
  size_t writable() const;
  // Bytes accepted by write() and not yet acknowledged by the peer.
  size_t unacknowledged() const { return static_cast<size_t>(bytes_written_ - bytes_acknowledged_); }
  // Ends the connection gracefully (FIN after what is queued; a reset while still
  // connecting or without memory for the FIN). No on_closed() follows: the caller knows.
  void close();
  // Ends it at once with a reset, dropping what is queued; no on_closed() either.
  void abort();
  // Acknowledge every received segment at once instead of lwIP's delayed ACK (sent by
  // its 250 ms timer when a single segment arrived): for a peer that waits on our ACK
  // before it can send its last small record (a migration's END).
  void set_quick_ack(bool on) { quick_ack_ = on; }

  State state() const { return state_; }
  bool open() const { return state_ == State::kOpen; }
  Ipv4Address peer_address() const { return peer_address_; }
  uint16_t peer_port() const { return peer_port_; }
  uint64_t bytes_written() const { return bytes_written_; }
  uint64_t bytes_acknowledged() const { return bytes_acknowledged_; }
  uint64_t bytes_received() const { return bytes_received_; }

 private:
  friend class TcpListener;
  void attach(tcp_pcb* pcb);  // an accepted connection
  // Points lwIP's receive, sent and error callbacks for pcb_ at this stream.
  void install_callbacks();
  void detach();         // forget the pcb and silence its callbacks
  void end(TcpEnd why);  // lwIP ended the connection: report it
  // lwIP's callbacks (C function pointers), with the stream as their argument.
  static signed char lwip_connected(void* arg, tcp_pcb* pcb, signed char err);
  static signed char lwip_received(void* arg, tcp_pcb* pcb, pbuf* chain, signed char err);
  static signed char lwip_sent(void* arg, tcp_pcb* pcb, uint16_t length);
  static void lwip_error(void* arg, signed char err);
  // Acknowledges `chain` to lwIP, hands its bytes to on_receive() while the stream
  // stays open, and frees it; ERR_ABRT when the handler aborted the stream.
  signed char deliver(pbuf* chain);

  TcpEvents& events_;
  tcp_pcb* pcb_ = nullptr;
  State state_ = State::kIdle;
  bool aborted_in_callback_ = false;  // lwIP callbacks must then return ERR_ABRT
  bool quick_ack_ = false;
  Ipv4Address peer_address_{};
  uint16_t peer_port_ = 0;
  uint64_t bytes_written_ = 0, bytes_acknowledged_ = 0, bytes_received_ = 0;
};

class TcpAcceptor {
 public:
  // A peer connected: return an Idle or Closed stream to take the connection (it is
  // Open when this returns), or nullptr to refuse it (the peer gets a reset).
  virtual TcpStream* on_accept(const Ipv4Address& peer, uint16_t peer_port) = 0;

 protected:
  ~TcpAcceptor() = default;
};

class TcpListener {
 public:
  TcpListener() = default;
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;
  ~TcpListener() { close(); }

  // Listens on every local address. kBusy when the port is taken, kState when already
  // listening, kOutOfMemory when lwIP has no listening pcb left.
  Status listen(uint16_t port, TcpAcceptor& acceptor);
  // Stops accepting; connections already accepted are not affected.
  void close();
  bool listening() const { return pcb_ != nullptr; }
  uint16_t port() const { return port_; }

 private:
  static signed char lwip_accept(void* arg, tcp_pcb* pcb, signed char err);

  tcp_pcb* pcb_ = nullptr;
  TcpAcceptor* acceptor_ = nullptr;
  uint16_t port_ = 0;
};

}  // namespace godwit::net
