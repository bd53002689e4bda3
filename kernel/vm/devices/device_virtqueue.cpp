#include "kernel/vm/devices/device_virtqueue.h"

#include <cstring>

#include "drivers/virtio/split_virtqueue.h"

namespace godwit::devices {

namespace {

// virtio 1.1, 2.6.5: descriptor flags.
constexpr uint16_t kNext = 1;
constexpr uint16_t kWrite = 2;
constexpr uint16_t kIndirect = 4;

// virtio 1.1, 2.6 (Table "Virtqueue Part Alignment and Size"): flags, idx, the ring,
// and the event word that follows it.
constexpr uint64_t descriptor_bytes(uint16_t size) { return uint64_t{16} * size; }
constexpr uint64_t driver_bytes(uint16_t size) { return 6 + uint64_t{2} * size; }
constexpr uint64_t device_bytes(uint16_t size) { return 6 + uint64_t{8} * size; }

bool power_of_two(uint16_t v) { return v != 0 && (v & (v - 1)) == 0; }

Failure malformed() { return fail(Error::kMalformed); }

}  // namespace

Status DeviceVirtqueue::configure(const DeviceMemory& memory, const VirtqueueLayout& layout, Sink& why) {
  return restore(memory, layout, 0, 0, why);
}

Status DeviceVirtqueue::restore(const DeviceMemory& memory, const VirtqueueLayout& layout,
                                uint16_t next_avail, uint16_t next_used, Sink& why) {
  if (!power_of_two(layout.size) || layout.size > kMaxSize) {
    format(why, "queue size {} is not a power of two up to {}", layout.size, kMaxSize);
    return malformed();
  }
  if (layout.descriptors % 16 != 0 || layout.driver % 2 != 0 || layout.device % 4 != 0) {
    format(why, "queue rings misaligned (descriptors {:#x}, driver {:#x}, device {:#x})", layout.descriptors,
           layout.driver, layout.device);
    return malformed();
  }
  if (!memory.valid(layout.descriptors, descriptor_bytes(layout.size)) ||
      !memory.valid(layout.driver, driver_bytes(layout.size)) ||
      !memory.valid(layout.device, device_bytes(layout.size))) {
    format(why, "queue rings outside guest RAM (descriptors {:#x}, driver {:#x}, device {:#x}, size {})",
           layout.descriptors, layout.driver, layout.device, layout.size);
    return fail(Error::kRange);
  }
  layout_ = layout;
  next_avail_ = next_avail;
  next_used_ = next_used;
  return ok();
}

Status DeviceVirtqueue::read_descriptor(const DeviceMemory& memory, uint16_t index, ChainBuffer& buffer,
                                        uint16_t& flags, uint16_t& next, Sink& why) const {
  virtio::VirtqDescriptor d{};
  uint8_t raw[sizeof d];
  // Cannot leave RAM: configure() checked the whole table and index < size.
  if (auto status = memory.read(layout_.descriptors + uint64_t{16} * index, raw); !status) return status;
  std::memcpy(&d, raw, sizeof d);
  if (d.flags & kIndirect) {
    format(why, "descriptor {} is indirect (not negotiated)", index);
    return malformed();
  }
  if (!memory.valid(d.address, d.length)) {
    format(why, "descriptor {} points outside guest RAM ({:#x}, {} bytes)", index, d.address, d.length);
    return fail(Error::kRange);
  }
  buffer = {d.address, d.length, (d.flags & kWrite) != 0};
  flags = d.flags;
  next = d.next;
  return ok();
}

Expected<std::optional<DescriptorChain>> DeviceVirtqueue::pop(const DeviceMemory& memory, Sink& why) {
  auto chain = peek(memory, why);
  if (chain && chain->has_value()) consume();
  return chain;
}

Expected<std::optional<DescriptorChain>> DeviceVirtqueue::peek(const DeviceMemory& memory, Sink& why) const {
  if (!configured()) {
    format(why, "queue used before it was set up");
    return fail(Error::kState);
  }
  uint16_t avail_index = 0;
  if (auto status = memory.read_u16(layout_.driver + 2, avail_index); !status) return status.failure();
  uint16_t pending = static_cast<uint16_t>(avail_index - next_avail_);
  if (pending == 0) return std::optional<DescriptorChain>();
  if (pending > layout_.size) {
    format(why, "available index {} runs {} ahead of the device's {} (queue size {})", avail_index, pending,
           next_avail_, layout_.size);
    return malformed();
  }
  uint16_t head = 0;
  uint64_t slot = layout_.driver + 4 + uint64_t{2} * (next_avail_ & (layout_.size - 1));
  if (auto status = memory.read_u16(slot, head); !status) return status.failure();
  if (head >= layout_.size) {
    format(why, "available ring slot {} names descriptor {} of {}", next_avail_, head, layout_.size);
    return malformed();
  }
  DescriptorChain chain;
  chain.head = head;
  uint16_t index = head;
  for (;;) {
    if (chain.count == layout_.size || chain.count == DescriptorChain::kMaxBuffers) {
      format(why, "descriptor chain from {} is longer than {} (a loop?)", head, chain.count);
      return malformed();
    }
    ChainBuffer& buffer = chain.buffers[chain.count];
    uint16_t flags = 0, next = 0;
    if (auto status = read_descriptor(memory, index, buffer, flags, next, why); !status)
      return status.failure();
    if (!buffer.device_writes && chain.writable_bytes != 0) {
      format(why, "descriptor {} is readable after a writable one in the chain from {}", index, head);
      return malformed();
    }
    (buffer.device_writes ? chain.writable_bytes : chain.readable_bytes) += buffer.length;
    ++chain.count;
    if ((flags & kNext) == 0) break;
    if (next >= layout_.size) {
      format(why, "descriptor {} chains to {} of {}", index, next, layout_.size);
      return malformed();
    }
    index = next;
  }
  return std::optional<DescriptorChain>(chain);
}

uint64_t DeviceVirtqueue::used_slot() const {
  return layout_.device + 4 + uint64_t{8} * (next_used_ & (layout_.size - 1));
}

bool DeviceVirtqueue::push_here(const DeviceMemory& memory) const {
  bool slot = memory.here(used_slot(), 8);
  bool index = memory.here(layout_.device + 2, 2);
  return slot && index;
}

Status DeviceVirtqueue::push(DeviceMemory& memory, uint16_t head, uint32_t written, Sink& why) {
  if (!configured() || head >= layout_.size) {
    format(why, "used entry for descriptor {} of a queue of {}", head, layout_.size);
    return fail(Error::kState);
  }
  uint8_t element[8];
  const uint32_t fields[2] = {head, written};
  std::memcpy(element, fields, sizeof element);
  // Both checked first, so that an entry is never written without the index after it.
  if (!push_here(memory)) return fail(Error::kBusy);
  uint64_t slot = used_slot();
  // The entry before the index that announces it (the guest does not run meanwhile: one
  // CPU, and the device works only between the guest's exits).
  if (auto status = memory.write(slot, element); !status) return status;
  ++next_used_;
  return memory.write_u16(layout_.device + 2, next_used_);
}

}  // namespace godwit::devices
