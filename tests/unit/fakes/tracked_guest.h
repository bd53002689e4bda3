// A guest's RAM as the write-fault path sees it, on the host: a byte array, a
// SecondLevelSpace over fake table memory with every page mapped writable, and the
// real vm::DirtyTracker. write() does what the CPU and the exit handler do: a write to
// a page without write permission first faults into DirtyTracker::record_write, which
// must make it writable, or the write is an error.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "arch/x86/paging/second_level_space.h"
#include "kernel/vm/dirty_tracker.h"
#include "tests/unit/fakes/fake_table_memory.h"

namespace godwit::testing {

class CountingTlbFlusher final : public x86::TlbFlusher {
 public:
  void flush(const x86::SecondLevelSpace&) override { ++count; }
  int count = 0;
};

// Moves on by `step_ns` at every reading, so durations measured with it are non-zero.
class SteppingClock final : public Clock {
 public:
  uint64_t now = 0;
  uint64_t step_ns = 1000;
  uint64_t now_ns() override { return now += step_ns; }
};

class TrackedGuest {
 public:
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kFrameBase = 0x1'0000'0000;  // fake host frames of the RAM

  explicit TrackedGuest(uint64_t pages, x86::PagingFormat format = x86::PagingFormat::kNpt)
      : memory(pages * kPage), bits(PageBitmap::words_for(pages)), space(format, tables, flusher) {
    if (!space.init()) throw std::runtime_error("cannot build the second-level space");
    for (uint64_t gfn = 0; gfn < pages; ++gfn) {
      if (!space.map(gfn * kPage, kFrameBase + gfn * kPage, x86::kAccessAll)) {
        throw std::runtime_error("cannot map guest RAM");
      }
    }
  }

  uint64_t pages() const { return memory.size() / kPage; }
  Status start_tracking() { return dirty.start(space, memory.size(), bits, clock); }
  void stop_tracking() { dirty.stop(); }
  bool writable(uint64_t gfn) const {
    auto translation = space.lookup(gfn * kPage);
    return translation && (translation->permissions & x86::kAccessWrite) != 0;
  }
  // The guest stores `value` at guest-physical `gpa`.
  void write(uint64_t gpa, uint8_t value) {
    if (!writable(gpa / kPage) && !dirty.record_write(gpa)) {
      throw std::logic_error("a write fault the dirty tracker did not resolve");
    }
    memory[gpa] = value;
  }

  std::vector<uint8_t> memory;
  std::vector<uint64_t> bits;
  FakeTableMemory tables;
  CountingTlbFlusher flusher;
  SteppingClock clock;
  x86::SecondLevelSpace space;
  vm::DirtyTracker dirty;
};

}  // namespace godwit::testing
