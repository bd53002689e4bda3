// Fakes for driving MigrationSender and MigrationReceiver against each other in one
// process: an in-memory link with a send window, a manual clock, a source guest whose
// dirty tracking is the real vm::DirtyTracker (tests/unit/fakes/tracked_guest.h), and a
// destination guest factory.
#pragma once

#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include <stdexcept>
#include "kernel/vm/devices/virtio_net_state.h"
#include "migration/migration_ports.h"
#include "tests/unit/fakes/tracked_guest.h"

namespace godwit::migration::testing {

// The harness moves `now` on by a millisecond per step; each reading also moves it on by
// a microsecond, as running code would, so durations inside one step are not zero.
class FakeClock final : public Clock {
 public:
  uint64_t now = 1'000'000'000;
  uint64_t now_ns() override { return now += 1000; }
};

// One direction of a connection: bytes written wait in `in_flight` until delivered.
class FakeChannel final : public ByteChannel {
 public:
  size_t window = 64 * 1024;  // bytes accepted per pump step (refilled by the test)
  size_t window_left = 64 * 1024;
  bool broken = false;
  bool closed = false;
  uint64_t written = 0;
  std::vector<uint8_t> in_flight;

  Expected<size_t> write(std::span<const uint8_t> bytes) override {
    if (broken) return fail(Error::kIo);
    size_t n = bytes.size() < window_left ? bytes.size() : window_left;
    in_flight.insert(in_flight.end(), bytes.begin(), bytes.begin() + static_cast<long>(n));
    window_left -= n;
    written += n;
    return n;
  }
  void close() override { closed = true; }
  void refill() { window_left = window; }
  std::vector<uint8_t> take() {
    std::vector<uint8_t> bytes;
    bytes.swap(in_flight);
    return bytes;
  }
};

// The guest being migrated away: its RAM, second-level space and dirty tracking are a
// TrackedGuest, so the sender runs against the real vm::DirtyTracker.
class FakeSource final : public MigrationSource {
 public:
  explicit FakeSource(uint64_t pages) : ram(pages) {
    for (uint64_t gfn = 0; gfn < pages; ++gfn) {
      if (gfn % 4 != 3)
        memory[gfn * kPageSize + (gfn % 97)] = static_cast<uint8_t>(gfn + 1);  // every 4th page zero
    }
    vcpu.regs.rip = 0x100123;
    vcpu.regs.gpr[x86::kRax] = 42;
  }

  godwit::testing::TrackedGuest ram;
  std::vector<uint8_t>& memory = ram.memory;
  bool paused = false, resumed = false, released = false, held = false, fail_tracking = false;
  std::optional<NetDeviceRecord> nic;  // the guest's card, when it has one
  uint64_t guest_time_ns = 5'000'000'000;
  x86::VcpuState vcpu;

  bool tracking_on() const { return ram.dirty.active(); }
  // The guest writes a byte; a write-protected page faults into the tracker first.
  void guest_write(uint64_t gfn, size_t offset, uint8_t value) {
    if (paused || released) throw std::logic_error("guest ran while paused or released");
    ram.write(gfn * kPageSize + offset, value);
  }

  uint64_t page_count() const override { return memory.size() / kPageSize; }
  const uint8_t* page(uint64_t gfn) override {
    return gfn < page_count() ? &memory[gfn * kPageSize] : nullptr;
  }
  Status begin_dirty_tracking() override {
    if (fail_tracking) return fail(Error::kOutOfMemory);
    return ram.start_tracking();
  }
  uint64_t collect_dirty(PageBitmap& into) override {
    auto moved = ram.dirty.collect(into);
    if (!moved) throw std::logic_error("collect_dirty failed");
    return *moved;
  }
  void pause() override { paused = true; }
  void capture(x86::VcpuState& state, DeviceState& device) override {
    state = vcpu;
    device = DeviceState{};
    device.guest_time_ns = guest_time_ns;
    device.console_bytes = 77;
  }
  bool has_nic() const override { return nic.has_value(); }
  void capture_nic(NetDeviceRecord& out) override { out = *nic; }
  void resume_after_failure() override {
    ram.stop_tracking();
    paused = false;
    resumed = true;
  }
  void release() override { released = true; }
  void hold_for_settlement() override { held = true; }
  // The guest runs here: not paused, not freed, not held.
  bool running() const { return !paused && !released && !held; }
};

class FakeDestination final : public DestinationGuest {
 public:
  explicit FakeDestination(uint64_t pages) : memory(pages * kPageSize, 0xee) {}  // garbage until written
  std::vector<uint8_t> memory;
  bool loaded = false, started = false, discarded = false, nic_loaded = false;
  bool nic_loaded_at_start = false;
  NetDeviceRecord nic = {};
  x86::VcpuState vcpu;
  DeviceState device;
  // A silent bug in the VM layer, for verify mode's test: the write of this page lands
  // in a scratch page instead, so guest memory keeps its garbage.
  uint64_t corrupt_gfn = UINT64_MAX;
  std::vector<uint8_t> scratch = std::vector<uint8_t>(kPageSize);
  uint64_t no_frame_gfn = UINT64_MAX;  // the frame allocator runs dry here
  bool refuse_state = false;
  bool refuse_cpuid = false;
  bool cpuid_set = false;
  x86::GuestCpuid cpuid;

  Status set_cpuid(const x86::GuestCpuid& given, uint64_t& detail) override {
    if (refuse_cpuid) {
      detail = uint64_t{1} << 32 | 0x2000;  // leaf 1, a missing bit
      return fail(Error::kUnsupported);
    }
    cpuid = given, cpuid_set = true;
    return ok();
  }
  Expected<uint8_t*> page_to_write(uint64_t gfn) override {
    if (gfn == no_frame_gfn) return fail(Error::kOutOfMemory);
    if (gfn == corrupt_gfn) return scratch.data();
    return &memory[gfn * kPageSize];
  }
  Status write_zero_pages(uint64_t first, uint64_t count) override {
    std::memset(&memory[first * kPageSize], 0, count * kPageSize);
    return ok();
  }
  const uint8_t* page(uint64_t gfn) override { return &memory[gfn * kPageSize]; }
  Status load_state(const x86::VcpuState& v, const DeviceState& d) override {
    if (refuse_state) return fail(Error::kInvalidArgument);
    vcpu = v, device = d, loaded = true;
    return ok();
  }
  // As the VM layer does: the device state must decode in full (virtio_net_state.h).
  Status load_nic(const NetDeviceRecord& given) override {
    auto state = devices::decode_virtio_net_state(given.state);
    if (!state) return state.failure();
    nic = given, nic_loaded = true;
    return ok();
  }
  void start() override {
    if (discarded) throw std::logic_error("a discarded guest was started");
    started = true;
    nic_loaded_at_start = nic_loaded;
  }
  void discard() override { discarded = true; }

  // Post-copy: which pages the guest may touch; the test's guest touches only those.
  std::vector<bool> mapped;
  bool postcopy_finished = false, stranded = false;
  Status enter_postcopy(const PageBitmap& present) override {
    if (loaded) throw std::logic_error("enter_postcopy after load_state");
    mapped.assign(memory.size() / kPageSize, false);
    for (uint64_t gfn = 0; gfn < mapped.size(); ++gfn) mapped[gfn] = present.test(gfn);
    return ok();
  }
  Status map_page(uint64_t gfn) override {
    if (gfn >= mapped.size() || mapped[gfn]) throw std::logic_error("map_page of a present page");
    mapped[gfn] = true;
    return ok();
  }
  void finish_postcopy() override { postcopy_finished = true; }
  void strand() override {
    stranded = true;
    ++strands;
  }
  Status rejoin() override {
    if (!stranded) throw std::logic_error("rejoin without strand");
    stranded = false;
    ++rejoins;
    return ok();
  }
  int strands = 0, rejoins = 0;
};

class FakeFactory final : public DestinationGuestFactory {
 public:
  std::unique_ptr<FakeDestination> guest;
  bool refuse = false;
  uint64_t corrupt_gfn = UINT64_MAX;
  uint64_t no_frame_gfn = UINT64_MAX;
  bool refuse_state = false;
  bool refuse_cpuid = false;

  Expected<DestinationGuest*> create(const HeaderRecord& header) override {
    if (refuse) return fail(Error::kOutOfMemory);
    guest = std::make_unique<FakeDestination>(header.memory_bytes / kPageSize);
    guest->corrupt_gfn = corrupt_gfn;
    guest->no_frame_gfn = no_frame_gfn;
    guest->refuse_state = refuse_state;
    guest->refuse_cpuid = refuse_cpuid;
    return static_cast<DestinationGuest*>(guest.get());
  }
};

}  // namespace godwit::migration::testing
