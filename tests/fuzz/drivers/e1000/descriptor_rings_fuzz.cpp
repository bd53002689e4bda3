// libFuzzer target for the e1000 descriptor rings as a misbehaving device would drive
// them: the input is a script of driver calls (RxRing::next/release as E1000::poll
// makes them, TxRing::add/reclaim) and device writes of any value into any descriptor
// (status, length, errors, also on descriptors the device does not own). Besides memory
// safety and UB it checks what the rings promise the driver: a frame handed up names a
// descriptor of the ring and a length that fits its buffer and Ethernet's limits, the
// transmit ring never has more in flight than it may (one descriptor stays unused),
// and reclaim() frees only what was in flight.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "drivers/e1000/rx_ring.h"
#include "drivers/e1000/tx_ring.h"
#include "drivers/nic/nic.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;
using namespace godwit::e1000;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  size_t ring_size = kRingGranule * (1 + input.take<uint8_t>() % 4);
  std::vector<RxDescriptor> rx_descriptors(ring_size);
  std::vector<TxDescriptor> tx_descriptors(ring_size);
  RxRing rx;
  TxRing tx;
  FUZZ_REQUIRE(rx.init(rx_descriptors, 0x100000).ok() && tx.init(tx_descriptors, 0x200000).ok());

  while (!input.empty()) {
    uint8_t op = input.take<uint8_t>();
    size_t index = input.take<uint8_t>() % ring_size;
    switch (op % 6) {
      case 0: {  // the device completes a receive descriptor, with anything in it
        RxDescriptor& d = rx_descriptors[index];
        d.status = input.take<uint8_t>();
        d.length = input.take<uint16_t>();
        d.errors = input.take<uint8_t>();
        break;
      }
      case 1: {  // E1000::poll: take frames until none, releasing each
        for (size_t taken = 0; taken <= ring_size; ++taken) {
          std::optional<RxRing::Frame> frame = rx.next();
          if (!frame) break;
          FUZZ_REQUIRE(frame->index < ring_size);
          FUZZ_REQUIRE(frame->length <= RxRing::kBufferBytes);
          FUZZ_REQUIRE(frame->length >= net::Nic::kMinFrame && frame->length <= net::Nic::kMaxFrame);
          rx.release(*frame);
          FUZZ_REQUIRE(rx.tail() < ring_size);
        }
        break;
      }
      case 2: {  // the driver sends a frame
        size_t before = tx.in_flight();
        Expected<uint32_t> tail = tx.add(input.take<uint16_t>());
        if (tail) {
          FUZZ_REQUIRE(*tail < ring_size && tx.in_flight() == before + 1);
          FUZZ_REQUIRE(tx_descriptors[(*tail + ring_size - 1) % ring_size].length <= TxRing::kBufferBytes);
        }
        FUZZ_REQUIRE(tx.in_flight() < ring_size);
        break;
      }
      case 3:  // the device reports a transmit descriptor done (or not), any of them
        tx_descriptors[index].status = input.take<uint8_t>();
        break;
      case 4: {
        size_t before = tx.in_flight();
        size_t freed = tx.reclaim();
        FUZZ_REQUIRE(freed <= before && tx.in_flight() == before - freed);
        break;
      }
      default:  // the device scribbles over a receive descriptor's buffer address
        rx_descriptors[index].buffer_address = input.take<uint64_t>();
        break;
    }
  }
  return 0;
}
