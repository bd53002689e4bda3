// The device's side of a split virtqueue (virtio 1.1, 2.6) whose rings live in guest
// RAM, written by an untrusted driver. Every value read from the rings is checked before
// it is used: the available index may run at most `size` ahead, every head and `next`
// must be a descriptor index, a chain may not be longer than the queue (which also ends
// loops), every buffer must lie wholly in guest RAM, device-writable buffers must follow
// the readable ones, and indirect descriptors (not negotiated) are refused. A check that
// fails describes the problem in `why` and returns an error; the caller ends the guest.
// A ring on a page that is not here yet (post-copy, device_memory.h) is no error of the
// guest's: the access fails with kBusy, nothing is consumed or written, and the caller
// tries again once the page has come.
// Pure: unit-tested over fake guest RAM, malformed rings included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "kernel/vm/devices/device_memory.h"
#include "lib/expected.h"
#include "lib/format.h"

namespace godwit::devices {

struct VirtqueueLayout {
  uint16_t size = 0;         // entries: a power of two, at most DeviceVirtqueue::kMaxSize
  uint64_t descriptors = 0;  // guest-physical, 16-byte aligned
  uint64_t driver = 0;       // the available ring, 2-byte aligned
  uint64_t device = 0;       // the used ring, 4-byte aligned
};

struct ChainBuffer {
  uint64_t gpa = 0;
  uint32_t length = 0;
  bool device_writes = false;
};

// One descriptor chain taken from the available ring, already validated.
struct DescriptorChain {
  static constexpr size_t kMaxBuffers = 32;
  uint16_t head = 0;
  size_t count = 0;
  ChainBuffer buffers[kMaxBuffers];
  uint64_t readable_bytes = 0;
  uint64_t writable_bytes = 0;
};

class DeviceVirtqueue {
 public:
  static constexpr uint16_t kMaxSize = 256;

  // Checks the layout against guest RAM (sizes, alignment, every ring wholly inside) and
  // starts with both indices at 0. On failure the queue stays unconfigured.
  Status configure(const DeviceMemory& memory, const VirtqueueLayout& layout, Sink& why);
  // Like configure(), but continuing from saved indices (a migrated device).
  Status restore(const DeviceMemory& memory, const VirtqueueLayout& layout, uint16_t next_avail,
                 uint16_t next_used, Sink& why);
  void reset() { *this = DeviceVirtqueue(); }

  bool configured() const { return layout_.size != 0; }
  const VirtqueueLayout& layout() const { return layout_; }
  uint16_t next_avail() const { return next_avail_; }
  uint16_t next_used() const { return next_used_; }

  // The next chain the driver made available, or nullopt when there is none; consumed.
  Expected<std::optional<DescriptorChain>> pop(const DeviceMemory& memory, Sink& why);
  // Like pop(), but the chain stays available until consume(): a device checks that its
  // buffers (and the used ring, push_here()) are here before it takes the chain.
  Expected<std::optional<DescriptorChain>> peek(const DeviceMemory& memory, Sink& why) const;
  void consume() { ++next_avail_; }
  // Whether the used ring's next entry and index are here (asks for them when not).
  bool push_here(const DeviceMemory& memory) const;
  // Returns chain `head` to the driver with `written` bytes written into it. kBusy, with
  // nothing written, when the used ring is not here.
  Status push(DeviceMemory& memory, uint16_t head, uint32_t written, Sink& why);

 private:
  Status read_descriptor(const DeviceMemory& memory, uint16_t index, ChainBuffer& buffer, uint16_t& flags,
                         uint16_t& next, Sink& why) const;
  uint64_t used_slot() const;

  VirtqueueLayout layout_{};
  uint16_t next_avail_ = 0;  // free-running: the next available ring slot to read
  uint16_t next_used_ = 0;   // free-running: the next used ring slot to write
};

}  // namespace godwit::devices
