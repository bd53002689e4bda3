// `tcpbench`: TCP throughput between two Godwit nodes, every byte checked.
// The server listens in the background (its events run from net::poll in the idle loop)
// and reports each connection when the peer closes it; the client sends one bench
// stream (kernel/shell/bench_stream.h) synchronously and reports when all of it has been
// acknowledged. Both print a line for people and an `@event tcpbench` for tools.
#include "kernel/console/event.h"
#include "kernel/console/log.h"
#include "kernel/loop/main_loop.h"
#include "kernel/shell/bench_stream.h"
#include "kernel/shell/net_commands.h"
#include "kernel/shell/poll_wait.h"
#include "lib/parse.h"
#include "net/net.h"
#include "net/tcp_stream.h"

namespace godwit::shell {

using namespace godwit::net;  // the commands of the net layer

namespace {

constexpr uint16_t kDefaultPort = 5001;
constexpr uint64_t kMaxMib = 4096;
constexpr uint64_t kConnectTimeoutNs = 10'000'000'000;
constexpr uint64_t kStallTimeoutNs = 15'000'000'000;  // no acknowledgement for this long

// Thousandths of MiB/s for `bytes` moved in `ns` (bytes * 1e9 fits 64 bits below 16 GiB).
uint64_t milli_mib_per_s(uint64_t bytes, uint64_t ns) {
  if (ns == 0) return 0;
  return bytes * 1'000'000'000 / ns * 1000 / (uint64_t{1024} * 1024);
}

void report(std::string_view role, const Ipv4Address& peer, uint64_t bytes, uint64_t ns, bool ok,
            std::string_view problem) {
  uint64_t rate = milli_mib_per_s(bytes, ns);
  FixedString<20> peer_text;
  format_ipv4(peer_text.sink(), peer);
  log::info("tcpbench {}: {} bytes {} {} in {}.{:03} s: {}.{:03} MiB/s{}{}", role, bytes,
            role == "server" ? "from" : "to", peer_text.view(), ns / 1'000'000'000, ns / 1'000'000 % 1000,
            rate / 1000, rate % 1000, ok ? ", checked" : ", FAILED: ", problem);
  Event event("tcpbench");
  event->field("role", role).field("peer", peer_text.view()).field("bytes", bytes);
  event->fixed("mib_s", static_cast<int64_t>(rate), 3).field("ms", ns / 1'000'000).field("ok", ok);
  if (!ok) event->field("error", problem);
}

// --- server: one connection at a time, checked as it arrives -------------------------

class BenchServer final : public TcpAcceptor, public TcpEvents {
 public:
  Status start(uint16_t port) { return listener_.listen(port, *this); }
  bool listening() const { return listener_.listening(); }
  uint16_t port() const { return listener_.port(); }

  TcpStream* on_accept(const Ipv4Address& peer, uint16_t peer_port) override {
    if (stream_.open()) {
      FixedString<20> text;
      format_ipv4(text.sink(), peer);
      log::warn("tcpbench server: refused {}:{}, a run is in progress", text.view(), peer_port);
      return nullptr;
    }
    sink_ = bench::BenchSink();
    started_ns_ = clock::now_ns();
    return &stream_;
  }
  void on_receive(TcpStream& stream, std::span<const uint8_t> data) override {
    if (sink_.feed(data)) return;
    FixedString<100> why;
    format(why, "{} at payload byte {}", sink_.failed() ? "bad data" : "error", sink_.mismatch_at());
    report("server", stream.peer_address(), sink_.payload_received(), clock::now_ns() - started_ns_, false,
           why.view());
    stream.abort();
  }
  void on_closed(TcpStream& stream, TcpEnd why) override {
    uint64_t ns = clock::now_ns() - started_ns_;
    bool complete = why == TcpEnd::kPeerClosed && sink_.complete();
    FixedString<120> problem;
    if (why != TcpEnd::kPeerClosed) {
      format(problem, "{}", describe(why));
    } else if (!complete) {
      format(problem, "stream ended after {} of {} bytes", sink_.payload_received(),
             sink_.payload_announced());
    }
    report("server", stream.peer_address(), sink_.payload_received(), ns, complete, problem.view());
  }

 private:
  TcpListener listener_;
  TcpStream stream_{*this};
  bench::BenchSink sink_;
  uint64_t started_ns_ = 0;
};

BenchServer* server = nullptr;  // created by the first `tcpbench server`, lives on

void run_server(Sink& out, uint16_t port) {
  if (server == nullptr) server = new BenchServer();
  if (server->listening()) {
    format(out, "tcpbench: already listening on port {}\n", server->port());
    return;
  }
  if (auto started = server->start(port); !started) {
    format(out, "tcpbench: cannot listen on port {}: {}\n", port, started.error());
    return;
  }
  format(out, "tcpbench: listening on port {}; results are reported when each sender closes\n", port);
}

// --- client: connect, send, wait for the last acknowledgement ------------------------

struct ClientEvents final : TcpEvents {
  void on_receive(TcpStream&, std::span<const uint8_t>) override {}  // the server says nothing
  void on_closed(TcpStream&, TcpEnd why) override {
    ended = true;
    end = why;
  }
  bool ended = false;
  TcpEnd end{};
};

void run_client(Sink& out, const Ipv4Address& peer, uint64_t mib, uint16_t port) {
  ClientEvents events;
  TcpStream stream(events);
  if (auto started = stream.connect(peer, port); !started) {
    format(out, "tcpbench: cannot connect: {}\n", started.error());
    return;
  }
  if (!wait_for([&] { return stream.open() || events.ended; }, clock::now_ns() + kConnectTimeoutNs)) {
    out.write("tcpbench: no connection within 10 s\n");
    return;  // the destructor aborts the attempt
  }
  if (events.ended) {
    format(out, "tcpbench: {}\n", describe(events.end));
    return;
  }
  bench::BenchSource source(mib << 20);
  static uint8_t chunk[16384];  // static: too large for the kernel stack
  uint64_t started = clock::now_ns(), last_progress = started, acknowledged = 0;
  auto finished = [&] { return events.ended || (source.done() && stream.unacknowledged() == 0); };
  while (!finished()) {
    size_t room = stream.writable() < sizeof chunk ? stream.writable() : sizeof chunk;
    size_t produced = room > 0 && !source.done() ? source.next({chunk, room}) : 0;
    if (produced > 0) {
      auto taken = stream.write({chunk, produced});
      source.unread(produced - (taken ? *taken : 0));
    }
    main_loop::run_once(produced > 0);  // the network, guests and migrations go on meanwhile
    uint64_t now = clock::now_ns();
    if (stream.bytes_acknowledged() != acknowledged) {
      acknowledged = stream.bytes_acknowledged();
      last_progress = now;
    } else if (now - last_progress > kStallTimeoutNs) {
      stream.abort();
      report("client", peer, acknowledged, now - started, false, "no progress for 15 s");
      return;
    }
  }
  uint64_t ns = clock::now_ns() - started;
  if (events.ended) {
    report("client", peer, stream.bytes_acknowledged(), ns, false, describe(events.end));
    return;
  }
  stream.close();
  report("client", peer, source.payload_bytes(), ns, true, "");
}

Expected<uint16_t> parse_port(Sink& out, std::string_view text) {
  auto port = parse_u64(text);
  if (!port || *port == 0 || *port > 65535) {
    format(out, "tcpbench: port must be a number from 1 to 65535\n");
    return fail(Error::kInvalidArgument);
  }
  return static_cast<uint16_t>(*port);
}

}  // namespace

void command_tcpbench(Sink& out, ShellArgs args) {
  if (interface() == nullptr) {
    out.write("tcpbench: networking is off (boot with ip=A.B.C.D/N)\n");
    return;
  }
  if (args[1] == "server") {
    if (args.size() > 3) {
      out.write("usage: tcpbench server [port]\n");
      return;
    }
    auto port = args.size() == 3 ? parse_port(out, args[2]) : Expected<uint16_t>(kDefaultPort);
    if (port) run_server(out, *port);
    return;
  }
  auto peer = parse_ipv4(args[1]);
  if (!peer || args.size() < 3) {
    out.write("usage: tcpbench server [port] | tcpbench <ip> <MiB> [port]\n");
    return;
  }
  auto mib = parse_u64(args[2]);
  if (!mib || *mib == 0 || *mib > kMaxMib) {
    format(out, "tcpbench: MiB must be a number from 1 to {}\n", kMaxMib);
    return;
  }
  auto port = args.size() == 4 ? parse_port(out, args[3]) : Expected<uint16_t>(kDefaultPort);
  if (port) run_client(out, *peer, *mib, *port);
}

}  // namespace godwit::shell
