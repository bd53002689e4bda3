#include "kernel/vm/dirty_tracker.h"

#include "arch/x86/paging/write_protection.h"

namespace godwit::vm {

namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

Status DirtyTracker::start(x86::SecondLevelSpace& space, uint64_t ram_bytes, std::span<uint64_t> bits,
                           Clock& clock) {
  return start(space, ram_bytes, bits, clock, x86::write_protection());
}

Status DirtyTracker::start(x86::SecondLevelSpace& space, uint64_t ram_bytes, std::span<uint64_t> bits,
                           Clock& clock, x86::DirtyMechanism& mechanism) {
  if (active()) return fail(Error::kBusy);
  uint64_t frames = ram_bytes / kPage;
  if (bits.size() < PageBitmap::words_for(frames)) return fail(Error::kInvalidArgument);
  log_ = PageBitmap(bits, frames);
  uint64_t arm_start = clock.now_ns();
  auto status = mechanism.arm(space, ram_bytes);
  protect_ns_ = clock.now_ns() - arm_start;
  if (!status) return status;
  bits_ = bits;
  space_ = &space;
  mechanism_ = &mechanism;
  ram_bytes_ = ram_bytes;
  faults_ = 0;
  return ok();
}

void DirtyTracker::stop() {
  if (!active()) return;
  mechanism_->disarm(*space_, ram_bytes_);
  space_ = nullptr;
  mechanism_ = nullptr;
  log_ = PageBitmap({}, 0);
}

bool DirtyTracker::record_write(uint64_t gpa) {
  if (!active() || gpa >= ram_bytes_) return false;
  uint64_t page = gpa & ~(kPage - 1);
  if (!mechanism_->claim_fault(*space_, page)) return false;
  log_.mark(page / kPage);
  ++faults_;
  return true;
}

bool DirtyTracker::record_log_full() {
  if (!active()) return false;
  absorb();
  ++faults_;
  return true;
}

// A small chunk keeps this off the stack of its callers, which hold 512-page chunks
// themselves; the bound on the passes stops a log that never reads as empty (a failing
// VMREAD reads as full) from holding the main loop.
void DirtyTracker::absorb() {
  constexpr size_t kChunk = 64;
  uint64_t chunk[kChunk];
  for (size_t pass = 0; pass < x86::DirtyMechanism::kMaxLogged / kChunk; ++pass) {
    size_t logged = mechanism_->drain(chunk);
    // The CPU logs guest-physical addresses it translated, so all lie in RAM; a gfn
    // beyond it is not marked (PageBitmap::mark refuses it).
    for (size_t i = 0; i < logged; ++i) (void)log_.mark(chunk[i]);
    if (logged < kChunk) return;
  }
}

void DirtyTracker::record_host_write(uint64_t gpa, uint64_t bytes) {
  if (!active() || bytes == 0 || gpa >= ram_bytes_) return;
  uint64_t end = bytes > ram_bytes_ - gpa ? ram_bytes_ : gpa + bytes;
  for (uint64_t gfn = gpa / kPage; gfn * kPage < end; ++gfn) log_.mark(gfn);
}

uint64_t DirtyTracker::dirty_count() {
  if (!active()) return 0;
  absorb();
  return log_.count();
}

uint64_t DirtyTracker::dirty_count_in(uint64_t gpa, uint64_t bytes) {
  if (!active() || gpa >= ram_bytes_) return 0;
  absorb();
  uint64_t end = bytes > ram_bytes_ - gpa ? ram_bytes_ : gpa + bytes;
  uint64_t count = 0;
  for (uint64_t gfn = gpa / kPage; gfn * kPage < end; ++gfn) count += log_.test(gfn) ? 1 : 0;
  return count;
}

Expected<size_t> DirtyTracker::take(std::span<uint64_t> out) {
  if (!active()) return fail(Error::kState);
  absorb();
  size_t taken = log_.take(out);
  if (auto status = mechanism_->rearm(*space_, out.first(taken)); !status) return status.failure();
  return taken;
}

Expected<uint64_t> DirtyTracker::collect(PageBitmap& into) {
  uint64_t chunk[512];
  uint64_t moved = 0;
  for (;;) {
    auto taken = take(chunk);
    if (!taken) return taken.failure();
    if (*taken == 0) return moved;
    for (size_t i = 0; i < *taken; ++i) (void)into.mark(chunk[i]);
    moved += *taken;
  }
}

Expected<uint64_t> DirtyTracker::clear(Clock& clock) {
  uint64_t begin = clock.now_ns();
  uint64_t chunk[512];
  uint64_t cleared = 0;
  for (;;) {
    auto taken = take(chunk);
    if (!taken) return taken.failure();
    cleared += *taken;
    if (*taken == 0) break;
  }
  faults_ = 0;
  protect_ns_ = clock.now_ns() - begin;
  return cleared;
}

}  // namespace godwit::vm
