#include "kernel/vm/devices/virtio_net_state.h"

#include "godwit/virtio_mmio.h"

namespace godwit::devices {

namespace {

class Writer {
 public:
  explicit Writer(std::span<uint8_t> out) : out_(out) {}
  void u8(uint8_t v) { out_[at_++] = v; }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }

 private:
  void le(uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) out_[at_++] = static_cast<uint8_t>(v >> (8 * i));
  }
  std::span<uint8_t> out_;
  size_t at_ = 0;
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> in) : in_(in) {}
  uint8_t u8() { return in_[at_++]; }
  uint16_t u16() { return static_cast<uint16_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  uint64_t u64() { return le(8); }

 private:
  uint64_t le(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{in_[at_++]} << (8 * i);
    return v;
  }
  std::span<const uint8_t> in_;
  size_t at_ = 0;
};

constexpr uint32_t kKnownStatus = virtio_mmio::kStatusAcknowledge | virtio_mmio::kStatusDriver |
                                  virtio_mmio::kStatusDriverOk | virtio_mmio::kStatusFeaturesOk |
                                  virtio_mmio::kStatusNeedsReset | virtio_mmio::kStatusFailed;

bool power_of_two(uint16_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

Status encode_virtio_net_state(const VirtioNetState& state, std::span<uint8_t> out) {
  if (out.size() < kVirtioNetStateBytes) return fail(Error::kInvalidArgument);
  Writer w(out);
  w.u32(VirtioNetState::kVersion);
  for (uint8_t b : state.mac.bytes) w.u8(b);
  w.u16(0);
  w.u32(state.status);
  w.u64(state.driver_features);
  w.u32(state.device_features_sel);
  w.u32(state.driver_features_sel);
  w.u32(state.queue_sel);
  for (const VirtioNetQueueState& q : state.queues) {
    w.u16(q.size);
    w.u16(q.ready ? 1 : 0);
    w.u64(q.descriptors);
    w.u64(q.driver);
    w.u64(q.device);
    w.u16(q.next_avail);
    w.u16(q.next_used);
  }
  w.u32(0);
  return ok();
}

Expected<VirtioNetState> decode_virtio_net_state(std::span<const uint8_t> in) {
  if (in.size() < kVirtioNetStateBytes) return fail(Error::kTruncated);
  Reader r(in);
  if (r.u32() != VirtioNetState::kVersion) return fail(Error::kVersion);
  VirtioNetState s;
  for (uint8_t& b : s.mac.bytes) b = r.u8();
  bool reserved_zero = r.u16() == 0;
  s.status = r.u32();
  s.driver_features = r.u64();
  s.device_features_sel = r.u32();
  s.driver_features_sel = r.u32();
  s.queue_sel = r.u32();
  bool queues_ok = true;
  for (VirtioNetQueueState& q : s.queues) {
    q.size = r.u16();
    uint16_t ready = r.u16();
    q.descriptors = r.u64();
    q.driver = r.u64();
    q.device = r.u64();
    q.next_avail = r.u16();
    q.next_used = r.u16();
    q.ready = ready == 1;
    if (ready > 1 || (q.ready && (!power_of_two(q.size) || q.size > 256))) queues_ok = false;
  }
  reserved_zero = reserved_zero && r.u32() == 0;
  if (!reserved_zero || !queues_ok || (s.status & ~kKnownStatus) != 0 ||
      (s.driver_features & ~kVirtioNetOffered) != 0) {
    return fail(Error::kMalformed);
  }
  return s;
}

}  // namespace godwit::devices
