#include "net/frame_gather.h"

#include <vector>

#include "lwip/pbuf.h"
#include "net/nic_netif.h"
#include "tests/unit/net/lwip_test_env.h"

namespace godwit::net {
namespace {

// A chain of `count` RAM pbufs of `each` bytes, byte i of the frame being i.
pbuf* chain_of(size_t count, u16_t each) {
  pbuf* head = nullptr;
  uint8_t next = 0;
  for (size_t i = 0; i < count; ++i) {
    pbuf* p = pbuf_alloc(PBUF_RAW, each, PBUF_RAM);
    for (u16_t j = 0; j < each; ++j) static_cast<uint8_t*>(p->payload)[j] = next++;
    if (head == nullptr) {
      head = p;
    } else {
      pbuf_cat(head, p);
    }
  }
  return head;
}

TEST(FrameGather, OneSpanPerPbufInOrder) {
  testing::init_lwip_once();
  pbuf* chain = chain_of(3, 20);
  std::span<const uint8_t> pieces[8];
  ASSERT_EQ(gather_pbuf_chain(chain, pieces), 3u);
  EXPECT_EQ(pieces[1].size(), 20u);
  EXPECT_EQ(pieces[1][0], 20);
  EXPECT_EQ(pieces[2][19], 59);
  pbuf_free(chain);
}

TEST(FrameGather, ReportsAChainLongerThanThePieceList) {
  testing::init_lwip_once();
  pbuf* chain = chain_of(9, 10);
  std::span<const uint8_t> pieces[8];
  EXPECT_EQ(gather_pbuf_chain(chain, pieces), 0u);
  pbuf_free(chain);
}

TEST(FrameGather, TheNetifCopiesLongChainsIntoOneFrame) {
  testing::init_lwip_once();
  testing::FakeNic nic;
  NicNetif netif;
  NetConfig config;
  config.interface = {{{10, 0, 0, 1}}, 24};
  ASSERT_TRUE(netif.start(nic, config));
  nic.sent.clear();
  pbuf* chain = chain_of(NicNetif::kMaxPieces + 2, 10);
  EXPECT_EQ(netif.lwip_netif()->linkoutput(netif.lwip_netif(), chain), ERR_OK);
  ASSERT_EQ(nic.sent.size(), 1u);
  ASSERT_EQ(nic.sent[0].size(), (NicNetif::kMaxPieces + 2) * 10);
  for (size_t i = 0; i < nic.sent[0].size(); ++i) ASSERT_EQ(nic.sent[0][i], uint8_t(i)) << i;
  pbuf_free(chain);
  netif.stop();
}

}  // namespace
}  // namespace godwit::net
