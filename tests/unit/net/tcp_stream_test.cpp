// TcpStream and TcpListener against lwIP compiled for the host, over one interface
// whose address loops back (LWIP_NETIF_LOOPBACK, host builds only): both ends of each
// connection run in this process.
#include "net/tcp_stream.h"

#include <memory>
#include <vector>

#include "kernel/shell/bench_stream.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "net/nic_netif.h"
#include "tests/unit/net/lwip_test_env.h"

namespace godwit::net {
namespace {

constexpr Ipv4Address kOwnAddress = {{10, 0, 0, 1}};
constexpr uint16_t kPort = 5001;

// Records every event; optionally sends a bench stream once connected.
struct Recorder : TcpEvents {
  void on_connected(TcpStream&) override { connected = true; }
  void on_receive(TcpStream& stream, std::span<const uint8_t> data) override {
    received.insert(received.end(), data.begin(), data.end());
    if (close_on_receive) stream.close();
    if (abort_on_receive) stream.abort();
  }
  void on_sent(TcpStream&, size_t n) override { acknowledged += n; }
  void on_closed(TcpStream&, TcpEnd why) override {
    closed = true;
    end = why;
  }
  bool connected = false, closed = false, close_on_receive = false, abort_on_receive = false;
  TcpEnd end{};
  size_t acknowledged = 0;
  std::vector<uint8_t> received;
};

struct OneAcceptor : TcpAcceptor {
  explicit OneAcceptor(TcpStream* s) : stream(s) {}
  TcpStream* on_accept(const Ipv4Address& peer, uint16_t) override {
    ++offers;
    last_peer = peer;
    return stream;
  }
  TcpStream* stream;
  int offers = 0;
  Ipv4Address last_peer{};
};

class TcpStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::init_lwip_once();
    NetConfig config;
    config.interface = {kOwnAddress, 24};
    ASSERT_TRUE(netif.start(nic, config));
  }
  void TearDown() override {
    listener.close();
    server.abort();
    client.abort();
    netif.stop();
    testing::advance_ms(300'000);  // let TIME_WAIT pcbs expire for the next test
  }
  // Runs the loopback queue and lwIP's timers until `done` or a step limit.
  template <class Done>
  bool pump(Done done, int steps = 20000) {
    for (int i = 0; i < steps && !done(); ++i) {
      netif_poll(netif.lwip_netif());
      testing::advance_ms(1);
    }
    return done();
  }

  testing::FakeNic nic;
  NicNetif netif;
  Recorder server_events, client_events;
  TcpStream server{server_events}, client{client_events};
  OneAcceptor acceptor{&server};
  TcpListener listener;
};

TEST_F(TcpStreamTest, ConnectsAndCarriesABenchStreamBothWaysIntact) {
  ASSERT_TRUE(listener.listen(kPort, acceptor));
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  EXPECT_EQ(client.state(), TcpStream::State::kConnecting);
  ASSERT_TRUE(pump([&] { return client_events.connected && server.open(); }));
  EXPECT_EQ(acceptor.last_peer, kOwnAddress);

  // 1 MiB from the client, offered in whatever the send buffer takes.
  shell::bench::BenchSource source(1 << 20);
  shell::bench::BenchSink sink;
  uint8_t chunk[4000];
  ASSERT_TRUE(pump(
      [&] {
        if (!source.done()) {
          size_t n = source.next(chunk);
          auto taken = client.write({chunk, n});
          EXPECT_TRUE(taken);
          source.unread(n - *taken);
        }
        if (!server_events.received.empty()) {
          EXPECT_TRUE(sink.feed(server_events.received));
          server_events.received.clear();
        }
        return sink.complete() && client.unacknowledged() == 0;
      },
      200000));
  EXPECT_EQ(client.bytes_acknowledged(), (1u << 20) + shell::bench::kHeaderSize);
  EXPECT_EQ(client_events.acknowledged, client.bytes_acknowledged());
  EXPECT_EQ(server.bytes_received(), client.bytes_written());

  // And a reply the other way; then the client closes and the server hears of it.
  const uint8_t reply[] = {'o', 'k'};
  ASSERT_EQ(*server.write(reply), 2u);
  ASSERT_TRUE(pump([&] { return client_events.received.size() == 2; }));
  client.close();
  EXPECT_EQ(client.state(), TcpStream::State::kClosed);
  ASSERT_TRUE(pump([&] { return server_events.closed; }));
  EXPECT_EQ(server_events.end, TcpEnd::kPeerClosed);
  EXPECT_EQ(server.state(), TcpStream::State::kClosed);
  EXPECT_FALSE(client_events.closed);  // a local close reports nothing
}

TEST_F(TcpStreamTest, ConnectingToAClosedPortIsRefused) {
  ASSERT_TRUE(client.connect(kOwnAddress, kPort + 1));
  ASSERT_TRUE(pump([&] { return client_events.closed; }));
  EXPECT_EQ(client_events.end, TcpEnd::kRefused);
  EXPECT_FALSE(client_events.connected);
  EXPECT_EQ(client.state(), TcpStream::State::kClosed);
  EXPECT_FALSE(client.write(std::span<const uint8_t>()));  // kState
}

TEST_F(TcpStreamTest, ARefusingAcceptorResetsThePeer) {
  OneAcceptor refusing(nullptr);
  ASSERT_TRUE(listener.listen(kPort, refusing));
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  ASSERT_TRUE(pump([&] { return client_events.closed; }));
  EXPECT_EQ(refusing.offers, 1);
  EXPECT_EQ(client_events.end, TcpEnd::kReset);
}

TEST_F(TcpStreamTest, AbortInsideReceiveResetsThePeer) {
  ASSERT_TRUE(listener.listen(kPort, acceptor));
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  ASSERT_TRUE(pump([&] { return server.open() && client.open(); }));
  server_events.abort_on_receive = true;
  const uint8_t data[] = {1, 2, 3};
  ASSERT_EQ(*client.write(data), 3u);
  ASSERT_TRUE(pump([&] { return client_events.closed; }));
  EXPECT_EQ(client_events.end, TcpEnd::kReset);
  EXPECT_EQ(server.state(), TcpStream::State::kClosed);
  EXPECT_FALSE(server_events.closed);
}

TEST_F(TcpStreamTest, CloseInsideReceiveIsGraceful) {
  ASSERT_TRUE(listener.listen(kPort, acceptor));
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  ASSERT_TRUE(pump([&] { return server.open() && client.open(); }));
  server_events.close_on_receive = true;
  const uint8_t data[] = {1, 2, 3};
  ASSERT_EQ(*client.write(data), 3u);
  ASSERT_TRUE(pump([&] { return client_events.closed; }));
  EXPECT_EQ(client_events.end, TcpEnd::kPeerClosed);
}

TEST_F(TcpStreamTest, APortListensOnceAndAStreamConnectsOnce) {
  ASSERT_TRUE(listener.listen(kPort, acceptor));
  TcpListener second;
  EXPECT_EQ(second.listen(kPort, acceptor).error(), Error::kBusy);
  EXPECT_EQ(listener.listen(kPort, acceptor).error(), Error::kState);
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  EXPECT_EQ(client.connect(kOwnAddress, kPort).error(), Error::kState);
}

TEST_F(TcpStreamTest, AStreamThatIsBusyIsNotGivenASecondConnection) {
  ASSERT_TRUE(listener.listen(kPort, acceptor));
  ASSERT_TRUE(client.connect(kOwnAddress, kPort));
  ASSERT_TRUE(pump([&] { return server.open() && client.open(); }));
  Recorder other_events;
  TcpStream other(other_events);
  ASSERT_TRUE(other.connect(kOwnAddress, kPort));
  ASSERT_TRUE(pump([&] { return other_events.closed; }));
  EXPECT_EQ(other_events.end, TcpEnd::kReset);
  EXPECT_TRUE(server.open());
}

// Issue 15, finding 11: a stream closed while its peer neither reads nor closes (here a
// raw lwIP server that ignores the FIN; on a node, a destination that stopped answering)
// stays in lwIP for a long time. Once every pcb is taken by such connections, the next
// connection must still get one: a closed stream is the first lwIP reclaims.
TEST_F(TcpStreamTest, ClosedStreamsGiveTheirPcbsToTheNextConnection) {
  struct Ignoring {
    static err_t accept(void* arg, tcp_pcb* pcb, err_t) {
      static_cast<std::vector<tcp_pcb*>*>(arg)->push_back(pcb);
      tcp_arg(pcb, nullptr);
      tcp_recv(pcb, [](void*, tcp_pcb* p, pbuf* chain, err_t) -> err_t {
        if (chain != nullptr) {
          tcp_recved(p, chain->tot_len);
          pbuf_free(chain);
        }
        return ERR_OK;  // a FIN (chain == nullptr) is heard and ignored: CLOSE-WAIT for good
      });
      return ERR_OK;
    }
  };
  std::vector<tcp_pcb*> held;
  tcp_pcb* unbound = tcp_new();
  ASSERT_NE(unbound, nullptr);
  ASSERT_EQ(tcp_bind(unbound, IP4_ADDR_ANY, kPort + 2), ERR_OK);
  tcp_pcb* listening = tcp_listen(unbound);
  ASSERT_NE(listening, nullptr);
  tcp_arg(listening, &held);
  tcp_accept(listening, Ignoring::accept);

  // Each connection takes two pcbs (this side's, closing; the server's, in CLOSE-WAIT).
  std::vector<std::unique_ptr<Recorder>> events;
  std::vector<std::unique_ptr<TcpStream>> streams;
  for (int i = 0; i < MEMP_NUM_TCP_PCB / 2; ++i) {
    events.push_back(std::make_unique<Recorder>());
    streams.push_back(std::make_unique<TcpStream>(*events.back()));
    ASSERT_TRUE(streams.back()->connect(kOwnAddress, kPort + 2)) << "connection " << i;
    ASSERT_TRUE(pump([&] { return events.back()->connected && held.size() == static_cast<size_t>(i) + 1; }));
    const uint8_t data[] = {1, 2, 3};
    ASSERT_EQ(*streams.back()->write(data), 3u);
    streams.back()->close();
    pump([] { return false; }, 50);
  }
  EXPECT_EQ(tcp_counts().active, static_cast<uint32_t>(MEMP_NUM_TCP_PCB));

  Recorder next_events;
  TcpStream next(next_events);
  EXPECT_TRUE(next.connect(kOwnAddress, kPort + 2));
  EXPECT_TRUE(pump([&] { return next_events.connected; }));
  EXPECT_LE(tcp_counts().active, static_cast<uint32_t>(MEMP_NUM_TCP_PCB));

  next.abort();
  for (tcp_pcb* pcb : held) {
    bool still_there = false;
    for (tcp_pcb* p = tcp_active_pcbs; p != nullptr; p = p->next) still_there |= p == pcb;
    if (still_there) tcp_abort(pcb);
  }
  tcp_close(listening);
}

}  // namespace
}  // namespace godwit::net
