// Guest RAM as an emulated device reaches it: checked copies only (kernel/vm/guest_ram.h),
// and every write reported, because a device's writes bypass the second-level tables and
// so would escape the write-protect dirty tracking that live migration relies on.
//
// On a post-copy destination some pages are still on the source (kernel/vm/absent_pages.h).
// A device must then neither read one (it would see zeros) nor write one (the page's later
// arrival would overwrite the write): every access is checked against PagePresence first,
// and an access that touches an absent page copies nothing, asks for the page (the same
// demand path a vCPU's fault takes) and fails with kBusy, "try again once it is here".
#pragma once

#include <cstdint>
#include <span>

#include "kernel/vm/guest_ram.h"
#include "lib/expected.h"

namespace godwit::devices {

// Told of every range a device wrote into guest RAM (the kernel marks those pages dirty).
class DeviceWriteLog {
 public:
  virtual void wrote(uint64_t gpa, uint64_t bytes) = 0;

 protected:
  ~DeviceWriteLog() = default;
};

// Which of the guest's pages are here. Without one, all of them are.
class PagePresence {
 public:
  virtual bool present(uint64_t gfn) const = 0;
  // The device needs absent page `gfn`: ask for it (asking twice costs nothing).
  virtual void fetch(uint64_t gfn) = 0;

 protected:
  ~PagePresence() = default;
};

class DeviceMemory {
 public:
  DeviceMemory(GuestRam& ram, DeviceWriteLog* log, PagePresence* presence = nullptr)
      : ram_(&ram), log_(log), presence_(presence) {}

  uint64_t size_bytes() const { return ram_->size_bytes(); }
  bool valid(uint64_t gpa, uint64_t bytes) const { return guest_range_valid(*ram_, gpa, bytes); }
  // Whether every page of [gpa, gpa + bytes) is here; asks for each one that is not (all
  // of them, not only the first, so that one retry finds the range whole). A range
  // outside guest RAM is "here": the copies refuse it with kRange.
  bool here(uint64_t gpa, uint64_t bytes) const;
  // kRange (nothing copied) when the range leaves guest RAM; kBusy (nothing copied, the
  // absent pages asked for) when part of it is not here yet.
  Status read(uint64_t gpa, std::span<uint8_t> out) const;
  Status write(uint64_t gpa, std::span<const uint8_t> in);
  Status read_u16(uint64_t gpa, uint16_t& value) const;
  Status write_u16(uint64_t gpa, uint16_t value);

 private:
  GuestRam* ram_;
  DeviceWriteLog* log_;
  PagePresence* presence_;
};

}  // namespace godwit::devices
