#include "kernel/vm/devices/virtio_net_device.h"

#include <cstring>

#include "godwit/virtio_mmio.h"

namespace godwit::devices {

namespace mmio = virtio_mmio;

namespace {

constexpr uint64_t kRegisterBlockBytes = mmio::kConfig + virtio_net::kConfigBytesWithStatus;

uint32_t low(uint64_t v) { return static_cast<uint32_t>(v); }
uint32_t high(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
uint64_t with_low(uint64_t v, uint32_t w) { return (v & ~uint64_t{0xFFFF'FFFF}) | w; }
uint64_t with_high(uint64_t v, uint32_t w) { return (v & 0xFFFF'FFFF) | uint64_t{w} << 32; }

}  // namespace

Failure VirtioNetDevice::break_device(Error error) {
  broken_ = true;
  state_.status |= mmio::kStatusNeedsReset;
  return fail(error);
}

bool VirtioNetDevice::running() const {
  return !broken_ && (state_.status & mmio::kStatusDriverOk) != 0 &&
         (state_.status & mmio::kStatusFailed) == 0;
}

VirtioNetQueueState* VirtioNetDevice::selected_queue() {
  return state_.queue_sel < VirtioNetState::kQueues ? &state_.queues[state_.queue_sel] : nullptr;
}

uint32_t VirtioNetDevice::read_config(uint64_t offset) const {
  // virtio 1.1, 5.1.4: mac[6], then the 16-bit status (link up: the switch is always there).
  const uint8_t* mac = state_.mac.bytes;
  if (offset == mmio::kConfig) return uint32_t{mac[0]} | mac[1] << 8 | mac[2] << 16 | uint32_t{mac[3]} << 24;
  return uint32_t{mac[4]} | mac[5] << 8 | uint32_t{virtio_net::kStatusLinkUp} << 16;
}

Expected<uint32_t> VirtioNetDevice::read(uint64_t offset, uint8_t size) {
  if (broken_) return fail(Error::kState);
  if (size != 4 || offset % 4 != 0 || offset >= kRegisterBlockBytes) {
    format(fault_, "virtio-mmio: {}-byte read at offset {:#x} (registers are 32-bit, below {:#x})", size,
           offset, kRegisterBlockBytes);
    return break_device(Error::kInvalidArgument);
  }
  if (offset >= mmio::kConfig) return read_config(offset);
  VirtioNetQueueState* queue = selected_queue();
  switch (offset) {
    case mmio::kMagicValue: return mmio::kMagic;
    case mmio::kVersion: return mmio::kVersion2;
    case mmio::kDeviceId: return mmio::kDeviceIdNet;
    case mmio::kVendorId: return mmio::kGodwitVendor;
    case mmio::kDeviceFeatures:
      return state_.device_features_sel == 0   ? low(kVirtioNetOffered)
             : state_.device_features_sel == 1 ? high(kVirtioNetOffered)
                                               : 0;
    case mmio::kQueueNumMax: return queue != nullptr ? kQueueSizeMax : 0;
    case mmio::kQueueReady: return queue != nullptr && queue->ready ? 1 : 0;
    case mmio::kInterruptStatus: return 0;  // guests poll: no interrupts yet
    case mmio::kStatus: return state_.status;
    case mmio::kConfigGeneration: return 0;  // the configuration never changes
    default: break;
  }
  format(fault_, "virtio-mmio: read of register {:#x}, which is write-only or does not exist", offset);
  return break_device(Error::kInvalidArgument);
}

Status VirtioNetDevice::write(uint64_t offset, uint8_t size, uint32_t value) {
  if (broken_) return fail(Error::kState);
  if (size != 4 || offset % 4 != 0 || offset >= mmio::kConfig) {
    format(fault_, "virtio-mmio: {}-byte write of {:#x} at offset {:#x} (not a writable 32-bit register)",
           size, value, offset);
    return break_device(Error::kInvalidArgument);
  }
  switch (offset) {
    case mmio::kDeviceFeaturesSel: state_.device_features_sel = value; return ok();
    case mmio::kDriverFeaturesSel: state_.driver_features_sel = value; return ok();
    case mmio::kDriverFeatures:
      if (state_.status & mmio::kStatusFeaturesOk) {
        format(fault_, "virtio-mmio: driver features written after FEATURES_OK");
        return break_device(Error::kState);
      }
      if (state_.driver_features_sel == 0) state_.driver_features = with_low(state_.driver_features, value);
      if (state_.driver_features_sel == 1) state_.driver_features = with_high(state_.driver_features, value);
      return ok();
    case mmio::kQueueSel: state_.queue_sel = value; return ok();
    case mmio::kQueueNotify:
      if (value >= VirtioNetState::kQueues) {
        format(fault_, "virtio-mmio: notify of queue {}, which does not exist", value);
        return break_device(Error::kInvalidArgument);
      }
      if (value == virtio_net::kTransmitQueue) transmit_kicked_ = true;
      return ok();  // receive buffers are picked up when a frame arrives
    case mmio::kInterruptAck: return ok();
    case mmio::kStatus: return write_status(value);
    default: return write_queue_register(offset, value);
  }
}

Status VirtioNetDevice::write_status(uint32_t value) {
  if (value == 0) {  // virtio 1.1, 4.2.3.1: reset
    net::MacAddress mac = state_.mac;
    state_ = VirtioNetState{};
    state_.mac = mac;
    for (DeviceVirtqueue& q : queues_) q.reset();
    transmit_kicked_ = false;
    transmit_waiting_ = false;
    return ok();
  }
  uint32_t added = value & ~state_.status;
  if ((state_.status & ~value & ~uint32_t{mmio::kStatusNeedsReset}) != 0) {
    format(fault_, "virtio-mmio: status {:#x} clears bits of {:#x} without a reset", value, state_.status);
    return break_device(Error::kState);
  }
  if (added & mmio::kStatusFeaturesOk) {
    // virtio 1.1, 3.1.1: a subset of what was offered, and VERSION_1 (no legacy mode).
    bool acceptable = (state_.driver_features & ~kVirtioNetOffered) == 0 &&
                      (state_.driver_features & virtio::kFeatureVersion1) != 0;
    if (!acceptable) value &= ~mmio::kStatusFeaturesOk;  // the driver reads it back and gives up
  }
  if ((added & mmio::kStatusDriverOk) && (value & mmio::kStatusFeaturesOk) == 0) {
    format(fault_, "virtio-mmio: DRIVER_OK without FEATURES_OK (status {:#x})", value);
    return break_device(Error::kState);
  }
  state_.status = value;
  return ok();
}

Status VirtioNetDevice::write_queue_register(uint64_t offset, uint32_t value) {
  VirtioNetQueueState* queue = selected_queue();
  bool known = offset == mmio::kQueueNum || offset == mmio::kQueueReady ||
               (offset >= mmio::kQueueDescLow && offset <= mmio::kQueueDeviceHigh && offset % 16 < 8);
  if (!known) {
    format(fault_, "virtio-mmio: write of {:#x} to register {:#x}, which is read-only or does not exist",
           value, offset);
    return break_device(Error::kInvalidArgument);
  }
  if (queue == nullptr) {
    format(fault_, "virtio-mmio: register {:#x} written for queue {}, which does not exist", offset,
           state_.queue_sel);
    return break_device(Error::kInvalidArgument);
  }
  if (offset == mmio::kQueueReady) return set_queue_ready(state_.queue_sel, value != 0);
  if (queue->ready) {  // virtio 1.1, 4.2.2.2: the layout is fixed while the queue is ready
    format(fault_, "virtio-mmio: register {:#x} of queue {} written while it is ready", offset,
           state_.queue_sel);
    return break_device(Error::kState);
  }
  switch (offset) {
    case mmio::kQueueNum: queue->size = static_cast<uint16_t>(value > 0xFFFF ? 0 : value); break;
    case mmio::kQueueDescLow: queue->descriptors = with_low(queue->descriptors, value); break;
    case mmio::kQueueDescHigh: queue->descriptors = with_high(queue->descriptors, value); break;
    case mmio::kQueueDriverLow: queue->driver = with_low(queue->driver, value); break;
    case mmio::kQueueDriverHigh: queue->driver = with_high(queue->driver, value); break;
    case mmio::kQueueDeviceLow: queue->device = with_low(queue->device, value); break;
    case mmio::kQueueDeviceHigh: queue->device = with_high(queue->device, value); break;
    default: break;
  }
  return ok();
}

Status VirtioNetDevice::set_queue_ready(size_t index, bool ready) {
  VirtioNetQueueState& queue = state_.queues[index];
  if (!ready) {
    queue.ready = false;
    queues_[index].reset();
    return ok();
  }
  if (queue.ready) return ok();
  FixedString<120> why;
  VirtqueueLayout layout{queue.size, queue.descriptors, queue.driver, queue.device};
  if (auto status = queues_[index].configure(memory_, layout, why.sink()); !status) {
    format(fault_, "virtio-net queue {}: {}", index, why.view());
    return break_device(status.error());
  }
  queue.ready = true;
  return ok();
}

bool VirtioNetDevice::take_transmit_kick() {
  bool kicked = transmit_kicked_;
  transmit_kicked_ = false;
  return kicked;
}

Expected<size_t> VirtioNetDevice::transmit(GuestFrameSink& sink, size_t budget) {
  DeviceVirtqueue& queue = queues_[virtio_net::kTransmitQueue];
  if (broken_) return fail(Error::kState);
  bool waited_before = transmit_waiting_;
  transmit_waiting_ = false;  // a stopped queue or device holds nothing
  if (!running() || !queue.configured()) return size_t{0};
  size_t sent = 0;
  FixedString<120> why;
  while (sent < budget) {
    auto chain = queue.peek(memory_, why.sink());
    if (!chain && chain.error() == Error::kBusy) {
      transmit_waiting_ = true;
      break;
    }
    if (!chain) {
      format(fault_, "virtio-net transmit queue: {}", why.view());
      return break_device(chain.error());
    }
    if (!chain->has_value()) break;
    const DescriptorChain& c = **chain;
    if (c.writable_bytes != 0 || c.readable_bytes < kHeaderBytes + net::Nic::kMinFrame ||
        c.readable_bytes > kHeaderBytes + net::Nic::kMaxFrame) {
      format(fault_,
             "virtio-net transmit chain {}: {} readable and {} writable bytes (a frame is {} to {} bytes "
             "after a {}-byte header)",
             c.head, c.readable_bytes, c.writable_bytes, net::Nic::kMinFrame, net::Nic::kMaxFrame,
             kHeaderBytes);
      return break_device(Error::kMalformed);
    }
    // Taken only once the buffers and the used ring are all here: the reads and the push
    // below cannot stop halfway.
    bool buffers_here = chain_here(c, c.readable_bytes);
    bool used_here = queue.push_here(memory_);
    if (!buffers_here || !used_here) {
      transmit_waiting_ = true;
      break;
    }
    queue.consume();
    // Gather header and frame; the header's first two bytes (flags, gso_type) must be 0:
    // neither checksum offload nor GSO was negotiated (virtio 1.1, 5.1.6.2).
    uint8_t header[kHeaderBytes];
    size_t at = 0;
    for (size_t i = 0; i < c.count; ++i) {
      const ChainBuffer& b = c.buffers[i];
      for (uint64_t done = 0; done < b.length;) {
        uint64_t n = b.length - done;
        std::span<uint8_t> to;
        if (at < kHeaderBytes) {
          if (n > kHeaderBytes - at) n = kHeaderBytes - at;
          to = std::span<uint8_t>(header + at, n);
        } else {
          to = std::span<uint8_t>(frame_ + (at - kHeaderBytes), n);
        }
        if (auto status = memory_.read(b.gpa + done, to); !status) return break_device(status.error());
        done += n;
        at += n;
      }
    }
    if (header[0] != 0 || header[1] != 0) {
      format(fault_, "virtio-net transmit chain {}: header flags {:#x}, gso_type {:#x} (nothing negotiated)",
             c.head, header[0], header[1]);
      return break_device(Error::kMalformed);
    }
    size_t length = at - kHeaderBytes;
    if (auto status = queue.push(memory_, c.head, 0, why.sink()); !status) {
      format(fault_, "virtio-net transmit queue: {}", why.view());
      return break_device(status.error());
    }
    ++counters_.tx_frames;
    counters_.tx_bytes += length;
    ++sent;
    sink.transmit({frame_, length});
  }
  // Once per hold, not per retry: a new hold after frames went out counts again.
  if (transmit_waiting_ && (!waited_before || sent > 0)) ++counters_.tx_page_waits;
  return sent;
}

Expected<bool> VirtioNetDevice::receive(std::span<const uint8_t> frame) {
  if (broken_) return fail(Error::kState);
  DeviceVirtqueue& queue = queues_[virtio_net::kReceiveQueue];
  if (!running() || !queue.configured() || frame.size() > net::Nic::kMaxFrame) {
    ++counters_.rx_not_ready;
    return false;
  }
  FixedString<120> why;
  auto chain = queue.peek(memory_, why.sink());
  if (!chain && chain.error() == Error::kBusy) {
    ++counters_.rx_absent;
    return false;
  }
  if (!chain) {
    format(fault_, "virtio-net receive queue: {}", why.view());
    return break_device(chain.error());
  }
  if (!chain->has_value()) {
    ++counters_.rx_no_buffer;
    return false;
  }
  const DescriptorChain& c = **chain;
  if (c.readable_bytes != 0 || c.writable_bytes < kMinRxBuffer) {
    format(fault_, "virtio-net receive chain {}: {} readable and {} writable bytes (needs {} writable)",
           c.head, c.readable_bytes, c.writable_bytes, kMinRxBuffer);
    return break_device(Error::kMalformed);
  }
  // virtio 1.1, 5.1.6.4: a zero header except num_buffers = 1 (little-endian).
  uint8_t header[kHeaderBytes] = {};
  header[10] = 1;
  size_t total = kHeaderBytes + frame.size();
  // Written only if every page it would touch is here: a frame written into an absent
  // page would be overwritten when the page arrives, so it is dropped instead (and the
  // pages asked for, so that a later frame finds them).
  bool buffers_here = chain_here(c, total);
  bool used_here = queue.push_here(memory_);
  if (!buffers_here || !used_here) {
    ++counters_.rx_absent;
    return false;
  }
  queue.consume();
  size_t at = 0;
  for (size_t i = 0; i < c.count && at < total; ++i) {
    const ChainBuffer& b = c.buffers[i];
    for (uint64_t done = 0; done < b.length && at < total;) {
      uint64_t n = b.length - done;
      std::span<const uint8_t> from;
      if (at < kHeaderBytes) {
        if (n > kHeaderBytes - at) n = kHeaderBytes - at;
        from = std::span<const uint8_t>(header + at, n);
      } else {
        if (n > total - at) n = total - at;
        from = frame.subspan(at - kHeaderBytes, n);
      }
      if (auto status = memory_.write(b.gpa + done, from); !status) return break_device(status.error());
      done += n;
      at += n;
    }
  }
  if (auto status = queue.push(memory_, c.head, static_cast<uint32_t>(total), why.sink()); !status) {
    format(fault_, "virtio-net receive queue: {}", why.view());
    return break_device(status.error());
  }
  ++counters_.rx_frames;
  counters_.rx_bytes += frame.size();
  return true;
}

bool VirtioNetDevice::chain_here(const DescriptorChain& chain, uint64_t bytes) const {
  bool whole = true;
  for (size_t i = 0; i < chain.count && bytes != 0; ++i) {
    uint64_t n = chain.buffers[i].length < bytes ? chain.buffers[i].length : bytes;
    whole &= memory_.here(chain.buffers[i].gpa, n);  // every buffer: ask for all absent pages at once
    bytes -= n;
  }
  return whole;
}

void VirtioNetDevice::fetch_ring_pages() const {
  for (const DeviceVirtqueue& queue : queues_) {
    if (!queue.configured()) continue;
    const VirtqueueLayout& l = queue.layout();
    // virtio 1.1, 2.6: the descriptor table, the driver area and the device area.
    (void)memory_.here(l.descriptors, uint64_t{16} * l.size);
    (void)memory_.here(l.driver, 6 + uint64_t{2} * l.size);
    (void)memory_.here(l.device, 6 + uint64_t{8} * l.size);
  }
}

VirtioNetState VirtioNetDevice::save() const {
  VirtioNetState s = state_;
  for (size_t i = 0; i < VirtioNetState::kQueues; ++i) {
    s.queues[i].next_avail = queues_[i].next_avail();
    s.queues[i].next_used = queues_[i].next_used();
  }
  return s;
}

Status VirtioNetDevice::load(const VirtioNetState& state) {
  DeviceVirtqueue restored[VirtioNetState::kQueues];
  FixedString<120> why;
  for (size_t i = 0; i < VirtioNetState::kQueues; ++i) {
    const VirtioNetQueueState& q = state.queues[i];
    if (!q.ready) continue;
    VirtqueueLayout layout{q.size, q.descriptors, q.driver, q.device};
    if (auto status = restored[i].restore(memory_, layout, q.next_avail, q.next_used, why.sink()); !status) {
      format(fault_, "virtio-net queue {} in the migrated state: {}", i, why.view());
      return status;
    }
  }
  state_ = state;
  for (size_t i = 0; i < VirtioNetState::kQueues; ++i) queues_[i] = restored[i];
  broken_ = false;
  transmit_kicked_ = true;  // frames the guest queued just before the pause go out now
  return ok();
}

}  // namespace godwit::devices
