// libFuzzer target for the driver's side of a split virtqueue as a misbehaving device
// would drive it: the input is a script of driver calls (add, publish, take_used) and
// device writes of any value into the used ring (ids, lengths, the used index, flags).
// Besides memory safety and UB it checks what SplitVirtqueue promises the NIC drivers:
// a used buffer is one the driver added and has not had back yet, with the address and
// capacity it was added with; a length over a device-writable buffer is flagged; the
// free and in-flight descriptors always add up to the queue size.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "drivers/virtio/split_virtqueue.h"
#include "tests/fuzz/fuzz_input.h"

using namespace godwit;
using namespace godwit::virtio;

namespace {

constexpr uint64_t kAreaAddress = 0x10'0000;

struct Added {
  bool in_flight = false;
  uint64_t address = 0;
  uint32_t length = 0;
  bool device_writes = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  uint16_t queue_size = static_cast<uint16_t>(1u << (input.take<uint8_t>() % 9));  // 1 .. 256
  std::vector<uint64_t> storage(SplitVirtqueue::area_bytes(queue_size) / 8 + 1);   // 8-byte aligned
  auto* area = reinterpret_cast<uint8_t*>(storage.data());
  SplitVirtqueue queue;
  FUZZ_REQUIRE(queue.init({area, SplitVirtqueue::area_bytes(queue_size)}, kAreaAddress, queue_size).ok());
  uint8_t* used = area + (queue.device_address() - kAreaAddress);
  std::vector<Added> added(queue_size);
  size_t in_flight = 0;

  while (!input.empty()) {
    uint8_t op = input.take<uint8_t>();
    switch (op % 5) {
      case 0: {  // the driver queues a buffer
        uint64_t address = input.take<uint32_t>();
        uint32_t length = input.take<uint16_t>();
        bool device_writes = (op & 0x80) != 0;
        Expected<uint16_t> id = queue.add(address, length, device_writes);
        if (!id) break;
        FUZZ_REQUIRE(*id < queue_size && !added[*id].in_flight);
        added[*id] = Added{true, address, length, device_writes};
        ++in_flight;
        break;
      }
      case 1:
        (void)queue.publish();
        (void)queue.needs_notify();
        break;
      case 2: {  // the device writes a used ring entry
        uint16_t slot = input.take<uint16_t>() % queue_size;
        uint32_t id = (op & 0x80) != 0 ? input.take<uint32_t>() : input.take<uint8_t>() % queue_size;
        uint32_t length = input.take<uint32_t>();
        std::memcpy(used + 4 + 8 * slot, &id, 4);
        std::memcpy(used + 8 + 8 * slot, &length, 4);
        break;
      }
      case 3: {  // the device moves the used index (or sets flags)
        uint16_t value = input.take<uint16_t>();
        std::memcpy(used + ((op & 0x80) != 0 ? 0 : 2), &value, 2);
        break;
      }
      default: {
        for (int i = 0; i <= queue_size; ++i) {
          std::optional<UsedBuffer> buffer = queue.take_used();
          if (!buffer) break;
          FUZZ_REQUIRE(buffer->id < queue_size);
          Added& mine = added[buffer->id];
          FUZZ_REQUIRE(mine.in_flight && buffer->address == mine.address && buffer->capacity == mine.length);
          FUZZ_REQUIRE(!buffer->length_valid || !mine.device_writes || buffer->length <= mine.length);
          mine.in_flight = false;
          --in_flight;
        }
        break;
      }
    }
    FUZZ_REQUIRE(queue.free_count() + in_flight == queue_size);
  }
  return 0;
}
