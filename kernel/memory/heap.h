// The hypervisor heap: small objects (guest descriptors, shell state, lwIP glue) in
// 16-byte-aligned blocks, first fit over an address-ordered free list with coalescing.
// Page-aligned memory comes from the FrameAllocator instead, never from here.
// Pure code: regions are handed in, so the unit tests run it over an array.
#pragma once

#include <cstddef>
#include <cstdint>

namespace godwit {

class Heap {
 public:
  static constexpr size_t kAlignment = 16;

  // Adds [base, base + size) to the heap. Regions may come at any time (growth).
  void add_region(void* base, size_t size);

  // nullptr when no block is large enough; size 0 is treated as 1.
  void* allocate(size_t size);
  // Returns a block; nullptr is ignored. False when the pointer is not a live block of
  // this heap (a double free or a stray pointer): the heap is left untouched.
  bool release(void* block);

  size_t free_bytes() const { return free_bytes_; }
  size_t used_bytes() const { return used_bytes_; }

 private:
  struct FreeBlock {
    size_t size;  // whole block, header included
    FreeBlock* next;
  };
  struct UsedHeader {
    size_t size;  // whole block, header included
    size_t magic;
  };
  // Puts `block` in the address-ordered free list, merging it with a neighbour it touches.
  void insert(FreeBlock* block);

  FreeBlock* free_list_ = nullptr;
  size_t free_bytes_ = 0;
  size_t used_bytes_ = 0;
};

}  // namespace godwit
