// The driver's side of a split virtqueue (virtio 1.1, 2.6; 1.2, 2.7): descriptor table,
// available ring and used ring in one DMA area. Pure: the area is any byte span plus the
// address the device uses for its first byte (in the image, physical = pointer), so the
// unit tests play the device over plain memory.
//
// Every buffer is one descriptor (no chains, no indirect tables): the NIC drivers copy
// each frame into a per-descriptor buffer. The bookkeeping (free list, buffer addresses
// and sizes) lives here, not in the shared area, so a device cannot corrupt it; what the
// device writes (used ids, lengths, the used index) is checked before it is believed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "lib/expected.h"

namespace godwit::virtio {

// virtio 1.1, 2.6.5: one entry of the descriptor table.
struct VirtqDescriptor {
  uint64_t address;
  uint32_t length;
  uint16_t flags;
  uint16_t next;
};
static_assert(sizeof(VirtqDescriptor) == 16);

// virtio 1.1, 2.6.8: one entry of the used ring.
struct VirtqUsedElement {
  uint32_t id;
  uint32_t length;
};
static_assert(sizeof(VirtqUsedElement) == 8);

inline constexpr uint16_t kDescriptorWrite = 2;  // the device writes this buffer
inline constexpr uint16_t kUsedNoNotify = 1;     // used ring flags: device asks for no kicks

// A buffer the device has finished with.
struct UsedBuffer {
  uint16_t id;
  uint64_t address;   // as given to add()
  uint32_t capacity;  // as given to add()
  uint32_t length;    // bytes the device wrote
  bool length_valid;  // false: the device claimed more than the buffer holds
};

class SplitVirtqueue {
 public:
  static constexpr uint16_t kMaxSize = 256;

  // Bytes the area needs for a queue of `size` entries (the three parts, aligned).
  static size_t area_bytes(uint16_t size);

  // `size` must be a power of two in [1, kMaxSize]; `area` at least area_bytes(size),
  // 16-byte aligned (kInvalidArgument otherwise). Zeroes the area.
  Status init(std::span<uint8_t> area, uint64_t area_address, uint16_t size);

  uint16_t size() const { return size_; }
  uint64_t descriptor_address() const { return area_address_; }
  uint64_t driver_address() const { return area_address_ + avail_offset_; }
  uint64_t device_address() const { return area_address_ + used_offset_; }

  size_t free_count() const { return free_count_; }
  // The descriptor id the next add() will use, so a caller can fill a per-id buffer.
  std::optional<uint16_t> next_free() const;

  // Queues one buffer for the device (not visible before publish()). kBusy when every
  // descriptor is in flight; kInvalidArgument for an empty buffer.
  Expected<uint16_t> add(uint64_t address, uint32_t length, bool device_writes);
  // Makes the buffers added so far visible to the device: the ring entries are written
  // before the index (release ordering). Returns whether there was anything new.
  bool publish();
  // After publish(): whether the device wants a notification (used ring flags, read
  // after a full fence so it is not ordered before the index store).
  bool needs_notify() const;

  // The next buffer the device returned, or nullopt. Entries with an id out of range or
  // not in flight are device errors: counted and skipped. A used index that runs ahead
  // of what is in flight marks the queue broken (nothing more is taken from it).
  std::optional<UsedBuffer> take_used();

  uint64_t device_errors() const { return device_errors_; }
  bool broken() const { return broken_; }

 private:
  // The descriptor table, the available ring and the used ring inside the one area
  // given to init() (2.6: descriptor table first, then the driver and device areas).
  volatile VirtqDescriptor* descriptors() const;
  volatile uint16_t* avail_word(size_t index) const;  // 0 flags, 1 idx, 2.. ring
  volatile uint16_t* used_word(size_t index) const;   // 0 flags, 1 idx
  volatile VirtqUsedElement* used_ring() const;

  uint8_t* area_ = nullptr;
  uint64_t area_address_ = 0;
  size_t avail_offset_ = 0;
  size_t used_offset_ = 0;
  uint16_t size_ = 0;

  uint16_t avail_index_ = 0;      // next available ring slot (free-running)
  uint16_t published_index_ = 0;  // avail idx the device has seen
  uint16_t last_used_ = 0;        // next used ring slot to read (free-running)

  uint16_t free_head_ = 0;
  size_t free_count_ = 0;
  size_t in_flight_ = 0;
  uint16_t free_next_[kMaxSize] = {};
  bool busy_[kMaxSize] = {};
  uint64_t buffer_address_[kMaxSize] = {};
  uint32_t buffer_length_[kMaxSize] = {};
  bool device_writes_[kMaxSize] = {};

  uint64_t device_errors_ = 0;
  bool broken_ = false;
};

}  // namespace godwit::virtio
