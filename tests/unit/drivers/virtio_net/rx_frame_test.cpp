#include "drivers/virtio_net/rx_frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "drivers/nic/nic.h"
#include "drivers/virtio_net/virtio_net_defs.h"

namespace godwit::virtio_net {
namespace {

TEST(VirtioNetRxFrame, SkipsTheTwelveByteHeader) {
  std::vector<uint8_t> buffer(2048);
  buffer[12] = 0xff;
  RxFrame rx = rx_frame(buffer, 12 + 60);
  ASSERT_EQ(rx.check, net::FrameCheck::kOk);
  EXPECT_EQ(rx.frame.size(), 60u);
  EXPECT_EQ(rx.frame.data(), buffer.data() + 12);
}

TEST(VirtioNetRxFrame, DropsRuntsAndOversizedFrames) {
  std::vector<uint8_t> buffer(2048);
  EXPECT_EQ(rx_frame(buffer, 0).check, net::FrameCheck::kRunt);
  EXPECT_EQ(rx_frame(buffer, 11).check, net::FrameCheck::kRunt);
  EXPECT_EQ(rx_frame(buffer, 12 + 13).check, net::FrameCheck::kRunt);
  EXPECT_EQ(rx_frame(buffer, 12 + 14).check, net::FrameCheck::kOk);
  EXPECT_EQ(rx_frame(buffer, 12 + net::Nic::kMaxFrame).check, net::FrameCheck::kOk);
  EXPECT_EQ(rx_frame(buffer, 12 + net::Nic::kMaxFrame + 1).check, net::FrameCheck::kOversized);
  EXPECT_EQ(rx_frame(buffer, 4096).check, net::FrameCheck::kOversized) << "longer than the buffer";
}

}  // namespace
}  // namespace godwit::virtio_net
