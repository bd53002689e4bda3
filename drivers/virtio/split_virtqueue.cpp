#include "drivers/virtio/split_virtqueue.h"

#include <atomic>

namespace godwit::virtio {

namespace {

constexpr size_t align_up(size_t value, size_t alignment) {
  return (value + alignment - 1) & ~(alignment - 1);
}

// virtio 1.1, 2.6: descriptor table 16-byte aligned, available ring 2, used ring 4.
constexpr size_t avail_offset(uint16_t size) { return size_t{16} * size; }
constexpr size_t used_offset(uint16_t size) { return align_up(avail_offset(size) + 6 + size_t{2} * size, 4); }

bool power_of_two(uint16_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

size_t SplitVirtqueue::area_bytes(uint16_t size) { return used_offset(size) + 6 + size_t{8} * size; }

Status SplitVirtqueue::init(std::span<uint8_t> area, uint64_t area_address, uint16_t size) {
  if (!power_of_two(size) || size > kMaxSize) return fail(Error::kInvalidArgument);
  if (area.size() < area_bytes(size) || (reinterpret_cast<uintptr_t>(area.data()) & 15) != 0 ||
      (area_address & 15) != 0) {
    return fail(Error::kInvalidArgument);
  }
  *this = SplitVirtqueue();
  area_ = area.data();
  area_address_ = area_address;
  size_ = size;
  avail_offset_ = avail_offset(size);
  used_offset_ = used_offset(size);
  for (size_t i = 0; i < area_bytes(size); ++i) area_[i] = 0;
  for (uint16_t i = 0; i < size; ++i) free_next_[i] = static_cast<uint16_t>(i + 1);
  free_count_ = size;
  return ok();
}

volatile VirtqDescriptor* SplitVirtqueue::descriptors() const {
  return reinterpret_cast<volatile VirtqDescriptor*>(area_);
}
volatile uint16_t* SplitVirtqueue::avail_word(size_t index) const {
  return reinterpret_cast<volatile uint16_t*>(area_ + avail_offset_) + index;
}
volatile uint16_t* SplitVirtqueue::used_word(size_t index) const {
  return reinterpret_cast<volatile uint16_t*>(area_ + used_offset_) + index;
}
volatile VirtqUsedElement* SplitVirtqueue::used_ring() const {
  return reinterpret_cast<volatile VirtqUsedElement*>(area_ + used_offset_ + 4);
}

std::optional<uint16_t> SplitVirtqueue::next_free() const {
  if (free_count_ == 0) return std::nullopt;
  return free_head_;
}

Expected<uint16_t> SplitVirtqueue::add(uint64_t address, uint32_t length, bool device_writes) {
  if (length == 0) return fail(Error::kInvalidArgument);
  if (free_count_ == 0) return fail(Error::kBusy);
  uint16_t id = free_head_;
  free_head_ = free_next_[id];
  --free_count_;
  ++in_flight_;
  busy_[id] = true;
  buffer_address_[id] = address;
  buffer_length_[id] = length;
  device_writes_[id] = device_writes;

  volatile VirtqDescriptor& d = descriptors()[id];
  d.address = address;
  d.length = length;
  d.flags = device_writes ? kDescriptorWrite : 0;
  d.next = 0;
  *avail_word(2 + (avail_index_ & (size_ - 1))) = id;
  ++avail_index_;
  return id;
}

bool SplitVirtqueue::publish() {
  if (avail_index_ == published_index_) return false;
  // The descriptors and ring entries must be visible before the index that announces them.
  std::atomic_thread_fence(std::memory_order_release);
  *avail_word(1) = avail_index_;
  published_index_ = avail_index_;
  return true;
}

bool SplitVirtqueue::needs_notify() const {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  return (*used_word(0) & kUsedNoNotify) == 0;
}

std::optional<UsedBuffer> SplitVirtqueue::take_used() {
  while (!broken_) {
    uint16_t device_index = *used_word(1);
    if (device_index == last_used_) return std::nullopt;
    // Read the entries only after the index that announced them.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (static_cast<uint16_t>(device_index - last_used_) > in_flight_) {
      ++device_errors_;
      broken_ = true;
      return std::nullopt;
    }
    volatile VirtqUsedElement& e = used_ring()[last_used_ & (size_ - 1)];
    uint32_t id = e.id;
    uint32_t length = e.length;
    ++last_used_;
    if (id >= size_ || !busy_[id]) {
      ++device_errors_;
      continue;
    }
    busy_[id] = false;
    --in_flight_;
    free_next_[id] = free_head_;
    free_head_ = static_cast<uint16_t>(id);
    ++free_count_;
    bool length_valid = !device_writes_[id] || length <= buffer_length_[id];
    if (!length_valid) ++device_errors_;
    return UsedBuffer{static_cast<uint16_t>(id), buffer_address_[id], buffer_length_[id], length,
                      length_valid};
  }
  return std::nullopt;
}

}  // namespace godwit::virtio
