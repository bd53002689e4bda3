// C++ runtime support: operator new/delete on the kernel heap, and the hooks the
// compiler expects. An allocation failure in `new` is a hypervisor bug (callers that can
// run out use memory::heap() directly and handle nullptr), so it panics.
#include <cstddef>
#include <new>

#include "kernel/memory/physical_memory.h"
#include "kernel/panic.h"

using godwit::memory::heap;

void* operator new(size_t size) {
  void* block = heap().allocate(size);
  if (block == nullptr) godwit::panic("kernel heap exhausted");
  return block;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, const std::nothrow_t&) noexcept { return heap().allocate(size); }
void* operator new[](size_t size, const std::nothrow_t&) noexcept { return heap().allocate(size); }

void operator delete(void* block) noexcept {
  if (!heap().release(block)) godwit::panic("delete of a block the heap does not own");
}
void operator delete[](void* block) noexcept { operator delete(block); }
void operator delete(void* block, size_t) noexcept { operator delete(block); }
void operator delete[](void* block, size_t) noexcept { operator delete(block); }

extern "C" void __cxa_pure_virtual() { godwit::panic("pure virtual function called"); }

// The library's bounds checks (std::string_view::substr and friends) report through
// these; with no exceptions, reaching one is a hypervisor bug.
namespace std {
void __throw_out_of_range_fmt(const char*, ...) { godwit::panic("out-of-range access in the C++ library"); }
}  // namespace std

extern "C" {
using Constructor = void (*)();
extern Constructor __init_array_start[];
extern Constructor __init_array_end[];
}

namespace godwit {

// Global objects with constructors; run once the heap exists.
void run_global_constructors() {
  for (Constructor* c = __init_array_start; c != __init_array_end; ++c) (*c)();
}

}  // namespace godwit
