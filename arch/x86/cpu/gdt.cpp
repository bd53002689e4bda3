#include "arch/x86/cpu/descriptors.h"

#include <cstddef>

namespace godwit::x86 {

namespace {

constexpr size_t kIstStackSize = size_t{16} * 1024;

alignas(16) uint8_t ist_stacks[3][kIstStackSize];
alignas(16) TaskStateSegment tss;
alignas(16) uint64_t gdt[5];

constexpr uint64_t kCode64 = 0x00AF9A000000FFFF;  // present, DPL0, code, L=1, D=0
constexpr uint64_t kData = 0x00CF92000000FFFF;    // present, DPL0, data, writable

// A 16-byte system descriptor: type 9 (available 64-bit TSS), present.
void set_tss_descriptor(uint64_t* slot, uint64_t base, uint32_t limit) {
  slot[0] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (uint64_t{0x89} << 40) |
            (uint64_t{(limit >> 16) & 0xF} << 48) | (((base >> 24) & 0xFF) << 56);
  slot[1] = base >> 32;
}

}  // namespace

void init_gdt() {
  for (int i = 0; i < 3; ++i) {
    tss.ist[i] = reinterpret_cast<uint64_t>(&ist_stacks[i][kIstStackSize]);
  }
  tss.io_map_base = sizeof(TaskStateSegment);  // no I/O permission bitmap
  gdt[0] = 0;
  gdt[1] = kCode64;
  gdt[2] = kData;
  set_tss_descriptor(&gdt[3], reinterpret_cast<uint64_t>(&tss), sizeof(tss) - 1);

  DescriptorTablePointer pointer{sizeof(gdt) - 1, reinterpret_cast<uint64_t>(gdt)};
  asm volatile(
      "lgdt %0\n"
      "pushq %1\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1:\n"
      "mov %w2, %%ds\n"
      "mov %w2, %%es\n"
      "mov %w2, %%ss\n"
      "ltr %w3\n"
      :
      : "m"(pointer), "i"(kKernelCode), "r"(uint32_t{kKernelData}), "r"(uint32_t{kTaskState})
      : "rax", "memory");
}

}  // namespace godwit::x86
