// Write-protect dirty tracking for one guest: the mechanism under pre-copy migration and
// under the shell's `dirtylog` command. start() write-protects all of guest RAM in the
// second-level tables; the first write to each page then faults, record_write() marks it
// in the PageBitmap and makes that page writable again, and the guest resumes.
// take() moves marked pages out of the log and write-protects them again before the
// caller reads them, so a write that happens after take() is never lost: it faults and
// marks the page for a later round.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/paging/second_level_space.h"
#include "lib/expected.h"
#include "lib/page_bitmap.h"

namespace godwit::vm {

class DirtyTracker {
 public:
  // Allocates the bitmap and write-protects [0, ram_bytes). kBusy when already active.
  Status start(x86::SecondLevelSpace& space, uint64_t ram_bytes);
  // Makes all of RAM writable again and frees the bitmap.
  void stop();
  bool active() const { return space_ != nullptr; }

  // A write fault at `gpa`: true when it was a tracked page (now marked and writable).
  bool record_write(uint64_t gpa);
  // The hypervisor itself wrote [gpa, gpa + bytes) (an emulated device): marks those
  // pages, whose writes never fault. Nothing happens while tracking is off.
  void record_host_write(uint64_t gpa, uint64_t bytes);
  uint64_t dirty_count() const { return active() ? log().count() : 0; }
  uint64_t faults() const { return faults_; }
  // How long the last start() spent write-protecting guest RAM (hypervisor clock): the
  // fixed cost of every tracking session and of each migration's first round.
  uint64_t protect_ns() const { return protect_ns_; }
  // How many of the dirty pages lie in [gpa, gpa + bytes) (clipped to guest RAM).
  uint64_t dirty_count_in(uint64_t gpa, uint64_t bytes) const;
  // Marks every page, as if all were written (round 0 of a migration sends them all).
  void mark_all() { log().mark_all(); }

  // Moves up to out.size() dirty pages (lowest gfn first) into `out`, write-protected
  // again; returns how many.
  Expected<size_t> take(std::span<uint64_t> out);

 private:
  PageBitmap& log() { return *reinterpret_cast<PageBitmap*>(log_storage_); }
  const PageBitmap& log() const { return *reinterpret_cast<const PageBitmap*>(log_storage_); }

  x86::SecondLevelSpace* space_ = nullptr;
  uint64_t ram_bytes_ = 0;
  alignas(PageBitmap) unsigned char log_storage_[sizeof(PageBitmap)] = {};
  uint64_t bitmap_ = 0;  // first frame holding the bitmap
  uint64_t bitmap_frames_ = 0;
  uint64_t faults_ = 0;
  uint64_t protect_ns_ = 0;
};

}  // namespace godwit::vm
