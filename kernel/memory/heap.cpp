#include "kernel/memory/heap.h"

namespace godwit {

namespace {

constexpr size_t kUsedMagic = 0x60d817ea9ull;  // catches double frees and stray pointers
constexpr size_t kMinBlock = 32;

size_t round_up(size_t value, size_t to) { return (value + to - 1) / to * to; }

}  // namespace

void Heap::add_region(void* base, size_t size) {
  auto start = round_up(reinterpret_cast<uintptr_t>(base), kAlignment);
  uintptr_t end = (reinterpret_cast<uintptr_t>(base) + size) / kAlignment * kAlignment;
  if (end <= start || end - start < kMinBlock) return;
  auto* block = reinterpret_cast<FreeBlock*>(start);
  block->size = end - start;
  free_bytes_ += block->size;
  insert(block);
}

// Keeps the list in address order and merges a block with touching neighbours.
void Heap::insert(FreeBlock* block) {
  FreeBlock* prev = nullptr;
  FreeBlock* next = free_list_;
  while (next != nullptr && next < block) {
    prev = next;
    next = next->next;
  }
  block->next = next;
  if (next != nullptr && reinterpret_cast<char*>(block) + block->size == reinterpret_cast<char*>(next)) {
    block->size += next->size;
    block->next = next->next;
  }
  if (prev == nullptr) {
    free_list_ = block;
  } else if (reinterpret_cast<char*>(prev) + prev->size == reinterpret_cast<char*>(block)) {
    prev->size += block->size;
    prev->next = block->next;
  } else {
    prev->next = block;
  }
}

void* Heap::allocate(size_t size) {
  if (size == 0) size = 1;
  if (size > (~size_t{0} >> 1)) return nullptr;
  size_t need = round_up(size + sizeof(UsedHeader), kAlignment);
  if (need < kMinBlock) need = kMinBlock;
  FreeBlock** link = &free_list_;
  for (FreeBlock* block = free_list_; block != nullptr; link = &block->next, block = block->next) {
    if (block->size < need) continue;
    if (block->size - need >= kMinBlock) {  // split: the tail stays free
      auto* rest = reinterpret_cast<FreeBlock*>(reinterpret_cast<char*>(block) + need);
      rest->size = block->size - need;
      rest->next = block->next;
      *link = rest;
    } else {
      need = block->size;
      *link = block->next;
    }
    auto* header = reinterpret_cast<UsedHeader*>(block);
    header->size = need;
    header->magic = kUsedMagic;
    free_bytes_ -= need;
    used_bytes_ += need;
    return header + 1;
  }
  return nullptr;
}

bool Heap::release(void* pointer) {
  if (pointer == nullptr) return true;
  auto* header = static_cast<UsedHeader*>(pointer) - 1;
  if (header->magic != kUsedMagic) return false;
  header->magic = 0;
  size_t size = header->size;
  auto* block = reinterpret_cast<FreeBlock*>(header);
  block->size = size;
  free_bytes_ += size;
  used_bytes_ -= size;
  insert(block);
  return true;
}

}  // namespace godwit
