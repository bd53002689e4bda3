// Shared by the network stack's unit tests: lwIP (compiled for the host) initialised
// once with a fake clock, and a fake NIC whose wire is two byte queues.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <vector>

#include "drivers/nic/nic.h"
#include "lwip/init.h"
#include "lwip/timeouts.h"
#include "net/lwip_port.h"

namespace godwit::net::testing {

inline uint64_t fake_now_ns = 1'000'000'000;

inline void init_lwip_once() {
  static const LwipPort port = {
      [] { return fake_now_ns; },
      [] {
        static uint32_t state = 12345;
        return state = state * 1103515245u + 12345u;
      },
      [](std::string_view line) { std::fprintf(stderr, "lwip: %.*s\n", int(line.size()), line.data()); },
      [](std::string_view message, std::string_view file, int line) {
        std::fprintf(stderr, "lwIP assertion '%.*s' at %.*s:%d\n", int(message.size()), message.data(),
                     int(file.size()), file.data(), line);
        std::abort();
      },
  };
  static bool done = false;
  if (!done) {
    install_lwip_port(port);
    lwip_init();
    done = true;
  }
}

// Moves the fake clock and runs lwIP's timers that fell due.
inline void advance_ms(uint64_t ms) {
  for (uint64_t i = 0; i < ms; ++i) {
    fake_now_ns += 1'000'000;
    sys_check_timeouts();
  }
}

class FakeNic final : public Nic {
 public:
  std::string_view name() const override { return "fake"; }
  MacAddress mac() const override { return {{0x52, 0x54, 0x00, 0x00, 0x00, 0x01}}; }
  bool link_up() override { return link; }
  Status transmit(std::span<const std::span<const uint8_t>> pieces) override {
    if (busy) return fail(Error::kBusy);
    std::vector<uint8_t> frame;
    for (auto piece : pieces) frame.insert(frame.end(), piece.begin(), piece.end());
    if (frame.size() > kMaxFrame) return fail(Error::kInvalidArgument);
    sent.push_back(frame);
    ++counters_.tx_frames;
    return ok();
  }
  size_t poll(FrameReceiver& receiver, size_t budget) override {
    size_t delivered = 0;
    while (!inbound.empty() && delivered < budget + extra_beyond_budget) {
      std::vector<uint8_t> frame = inbound.front();
      inbound.pop_front();
      receiver.receive(frame);
      ++delivered;
    }
    return delivered;
  }
  const NicCounters& counters() const override { return counters_; }

  bool link = true;
  bool busy = false;
  size_t extra_beyond_budget = 0;  // a driver that ignores its budget
  std::deque<std::vector<uint8_t>> inbound;
  std::vector<std::vector<uint8_t>> sent;

 private:
  NicCounters counters_;
};

}  // namespace godwit::net::testing
