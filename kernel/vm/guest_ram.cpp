#include "kernel/vm/guest_ram.h"

#include <cstring>

namespace godwit {

bool guest_range_valid(const GuestRam& ram, uint64_t gpa, uint64_t length) {
  uint64_t size = ram.size_bytes();
  return gpa <= size && length <= size - gpa;
}

namespace {

// Walks [gpa, gpa + length) page by page, handing each piece to `step`.
template <class Step>
Status for_each_piece(GuestRam& ram, uint64_t gpa, size_t length, Step step) {
  if (!guest_range_valid(ram, gpa, length)) return fail(Error::kRange);
  size_t done = 0;
  while (done < length) {
    uint64_t at = gpa + done;
    size_t offset = at % kGuestPageSize;
    size_t piece = kGuestPageSize - offset;
    if (piece > length - done) piece = length - done;
    uint8_t* page = ram.page(at / kGuestPageSize);
    if (page == nullptr) return fail(Error::kRange);
    step(page + offset, done, piece);
    done += piece;
  }
  return ok();
}

}  // namespace

Status copy_to_guest(GuestRam& ram, uint64_t gpa, std::span<const uint8_t> bytes) {
  return for_each_piece(ram, gpa, bytes.size(), [&](uint8_t* host, size_t done, size_t n) {
    std::memcpy(host, bytes.data() + done, n);
  });
}

Status copy_from_guest(GuestRam& ram, uint64_t gpa, std::span<uint8_t> bytes) {
  return for_each_piece(ram, gpa, bytes.size(), [&](uint8_t* host, size_t done, size_t n) {
    std::memcpy(bytes.data() + done, host, n);
  });
}

}  // namespace godwit
