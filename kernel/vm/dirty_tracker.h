// Write-protect dirty tracking for one guest: the mechanism under pre-copy migration and
// under the shell's `dirtylog` command. start() write-protects all of guest RAM in the
// second-level tables; the first write to each page then faults, record_write() marks it
// in the PageBitmap and makes that page writable again, and the guest resumes.
// collect() moves marked pages out of the log and write-protects them again before the
// caller reads them, so a write that happens after collect() is never lost: it faults
// and marks the page for a later round.
// Pure code: the caller hands in the bitmap's storage and a clock (as PageBitmap takes
// its storage), so it runs on the host over a SecondLevelSpace with fake table memory.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/second_level_space.h"
#include "lib/clock.h"
#include "lib/expected.h"
#include "lib/page_bitmap.h"

namespace godwit::vm {

class DirtyTracker {
 public:
  // Write-protects [0, ram_bytes) and starts an empty log in `bits`, which must hold
  // PageBitmap::words_for(ram_bytes / 4096) words and stays the caller's (untouched
  // after stop()). `clock` times the write-protect pass. kBusy when already active,
  // kInvalidArgument when `bits` is too small.
  Status start(x86::SecondLevelSpace& space, uint64_t ram_bytes, std::span<uint64_t> bits, Clock& clock);
  // Makes all of RAM writable again and lets go of the bitmap.
  void stop();
  bool active() const { return space_ != nullptr; }
  // The storage handed to start() (empty when it was never started).
  std::span<uint64_t> bits() const { return bits_; }

  // A write fault at `gpa`: true when it was a tracked page (now marked and writable).
  bool record_write(uint64_t gpa);
  // The hypervisor itself wrote [gpa, gpa + bytes) (an emulated device): marks those
  // pages, whose writes never fault. Nothing happens while tracking is off.
  void record_host_write(uint64_t gpa, uint64_t bytes);
  uint64_t dirty_count() const { return active() ? log_.count() : 0; }
  uint64_t faults() const { return faults_; }
  // How long the last start() spent write-protecting guest RAM: the fixed cost of
  // every tracking session and of each migration's first round.
  uint64_t protect_ns() const { return protect_ns_; }
  // How many of the dirty pages lie in [gpa, gpa + bytes) (clipped to guest RAM).
  uint64_t dirty_count_in(uint64_t gpa, uint64_t bytes) const;

  // Moves up to out.size() dirty pages (lowest gfn first) into `out`, write-protected
  // again (one TLB flush); returns how many.
  Expected<size_t> take(std::span<uint64_t> out);
  // Moves every dirty page into `into` (marking, never clearing), write-protected again
  // a chunk of 512 at a time (one flush each); returns how many it moved.
  Expected<uint64_t> collect(PageBitmap& into);
  // Empties the log the same way and returns how many pages it held: those dirtied since
  // start() or the last clear(). Resets faults(); the time it took becomes protect_ns().
  // What the dirty-rate logger does once a second, and what a migration or `dirtylog`
  // does when it borrows the logger's running tracker (kernel/vm/guests.h).
  Expected<uint64_t> clear(Clock& clock);

 private:
  x86::SecondLevelSpace* space_ = nullptr;
  uint64_t ram_bytes_ = 0;
  std::span<uint64_t> bits_;
  PageBitmap log_{{}, 0};
  uint64_t faults_ = 0;
  uint64_t protect_ns_ = 0;
};

}  // namespace godwit::vm
