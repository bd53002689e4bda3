// A guest's RAM as the hypervisor sees it: page by page, because guest frames are
// allocator frames scattered over host memory, not one block. Every access that a guest
// (or a migration peer) controls goes through the checked copies below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/expected.h"

namespace godwit {

inline constexpr uint64_t kGuestPageSize = 4096;

class GuestRam {
 public:
  // Guest RAM in bytes: guest-physical [0, size_bytes()), a whole number of pages.
  virtual uint64_t size_bytes() const = 0;
  // The host-accessible 4 KiB page for guest frame `gfn`; nullptr outside RAM.
  virtual uint8_t* page(uint64_t gfn) = 0;
  uint64_t page_count() const { return size_bytes() / kGuestPageSize; }

 protected:
  ~GuestRam() = default;
};

// True when [gpa, gpa + length) lies wholly inside guest RAM (overflow-safe).
bool guest_range_valid(const GuestRam& ram, uint64_t gpa, uint64_t length);

// Copies between guest RAM and the hypervisor; kRange when the range leaves guest RAM
// (nothing is copied then).
Status copy_to_guest(GuestRam& ram, uint64_t gpa, std::span<const uint8_t> bytes);
Status copy_from_guest(GuestRam& ram, uint64_t gpa, std::span<uint8_t> bytes);

}  // namespace godwit
