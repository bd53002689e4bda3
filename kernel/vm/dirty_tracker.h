// Dirty tracking for one guest: the log under pre-copy migration, under the shell's
// `dirtylog` command and under the continuous dirty-rate logger. How writes are noticed
// is the backend's DirtyMechanism (arch/x86/paging/dirty_mechanism.h): write protection
// (a fault on the first write to each page, which record_write() claims) or Intel PML
// (the CPU logs the first write to each page; record_log_full() and every read of the
// log drain it). Either way the noticed pages go into the PageBitmap, and take() re-arms
// the pages it hands out before the caller reads them, so a write that happens after
// take() or collect() is never lost: it is noticed again for a later round.
// Pure code: the caller hands in the bitmap's storage and a clock (as PageBitmap takes
// its storage), so it runs on the host over a SecondLevelSpace with fake table memory.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/dirty_mechanism.h"
#include "arch/x86/paging/second_level_space.h"
#include "lib/clock.h"
#include "lib/expected.h"
#include "lib/page_bitmap.h"

namespace godwit::vm {

class DirtyTracker {
 public:
  // Arms [0, ram_bytes) with `mechanism` (write protection unless given) and starts an
  // empty log in `bits`, which must hold PageBitmap::words_for(ram_bytes / 4096) words
  // and stays the caller's (untouched after stop()). `clock` times the arming pass.
  // kBusy when already active, kInvalidArgument when `bits` is too small.
  Status start(x86::SecondLevelSpace& space, uint64_t ram_bytes, std::span<uint64_t> bits, Clock& clock);
  Status start(x86::SecondLevelSpace& space, uint64_t ram_bytes, std::span<uint64_t> bits, Clock& clock,
               x86::DirtyMechanism& mechanism);
  // Disarms all of RAM and lets go of the bitmap.
  void stop();
  bool active() const { return space_ != nullptr; }
  // The storage handed to start() (empty when it was never started).
  std::span<uint64_t> bits() const { return bits_; }
  // The mechanism's stable name ("write-protect", "pml"), or "off" when not active.
  const char* mechanism() const { return active() ? mechanism_->name() : "off"; }

  // A write fault at `gpa`: true when it was a tracked page (now marked and writable).
  bool record_write(uint64_t gpa);
  // The CPU's log of written pages is full (a VT-x page-modification log-full exit):
  // moves it into the bitmap so the guest can go on. False when not tracking.
  bool record_log_full();
  // The hypervisor itself wrote [gpa, gpa + bytes) (an emulated device): marks those
  // pages, whose writes neither fault nor reach the CPU's log. Nothing happens while
  // tracking is off.
  void record_host_write(uint64_t gpa, uint64_t bytes);
  // Pages dirtied so far (drains the CPU's log first, hence not const).
  uint64_t dirty_count();
  // The exits tracking cost: write faults, or log-full exits under PML.
  uint64_t faults() const { return faults_; }
  // How long the last start() spent arming guest RAM (write-protecting it, or clearing
  // its dirty flags): the fixed cost of every tracking session and of each migration's
  // first round.
  uint64_t protect_ns() const { return protect_ns_; }
  // How many of the dirty pages lie in [gpa, gpa + bytes) (clipped to guest RAM).
  uint64_t dirty_count_in(uint64_t gpa, uint64_t bytes);

  // Moves up to out.size() dirty pages (lowest gfn first) into `out`, re-armed (one TLB
  // flush); returns how many.
  Expected<size_t> take(std::span<uint64_t> out);
  // Moves every dirty page into `into` (marking, never clearing), re-armed a chunk of
  // 512 at a time (one flush each); returns how many it moved.
  Expected<uint64_t> collect(PageBitmap& into);
  // Empties the log the same way and returns how many pages it held: those dirtied since
  // start() or the last clear(). Resets faults(); the time it took becomes protect_ns().
  // What the dirty-rate logger does once a second, and what a migration or `dirtylog`
  // does when it borrows the logger's running tracker (kernel/vm/guests.h).
  Expected<uint64_t> clear(Clock& clock);

 private:
  // Moves what the mechanism logged into log_.
  void absorb();

  x86::SecondLevelSpace* space_ = nullptr;
  x86::DirtyMechanism* mechanism_ = nullptr;
  uint64_t ram_bytes_ = 0;
  std::span<uint64_t> bits_;
  PageBitmap log_{{}, 0};
  uint64_t faults_ = 0;
  uint64_t protect_ns_ = 0;
};

}  // namespace godwit::vm
