// Attacks the hypervisor must end the guest for. Each first prints
// "isolation: attempting <name>", so the log shows what was tried before it stopped.
#include "guests/isolation/attacks.h"

#include <cstdint>

#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

namespace godwit::guest::isolation {

namespace {

// 4-level paging entry bits (Intel SDM Vol. 3A 4.5): present, writable, 2 MiB page.
constexpr uint64_t kPresent = 1, kWritable = 2, kLargePage = 0x80;
constexpr uint64_t kAddressMask = 0x000F'FFFF'FFFF'F000ull;
// Linear 1 GiB..2 GiB is never identity-mapped (guest RAM is at most abi::kMaxMemory).
constexpr uint64_t kWindow = 1ull << 30;
static_assert(kWindow >= abi::kMaxMemory);

alignas(4096) uint64_t g_window_directory[512];

// Maps the first 2 MiB beyond guest RAM at kWindow through the guest's own page tables:
// the hypervisor's second-level tables are what must stop the access.
volatile uint64_t* map_beyond_ram() {
  uint64_t cr3;
  asm volatile("mov %%cr3, %0" : "=r"(cr3));
  auto* pml4 = reinterpret_cast<uint64_t*>(cr3 & kAddressMask);
  auto* pdpt = reinterpret_cast<uint64_t*>(pml4[0] & kAddressMask);
  uint64_t beyond = boot_info().memory_bytes;  // a 2 MiB multiple: the first byte past RAM
  g_window_directory[0] = beyond | kPresent | kWritable | kLargePage;
  pdpt[kWindow >> 30] = gpa_of(g_window_directory) | kPresent | kWritable;
  asm volatile("invlpg (%0)" ::"r"(kWindow) : "memory");
  println("isolation: guest-physical {:#x} mapped at {:#x}", beyond, kWindow);
  return reinterpret_cast<volatile uint64_t*>(kWindow);
}

void read_outside() {
  volatile uint64_t* outside = map_beyond_ram();
  uint64_t value = *outside;
  println("isolation: read-outside got through (read {:#x})", value);
}

void write_outside() {
  volatile uint64_t* outside = map_beyond_ram();
  *outside = 0x676f64776974;
  println("isolation: write-outside got through");
}

// Port 0xf4 is QEMU's isa-debug-exit: were I/O passed through, this would end the
// whole emulated machine, not just the guest.
void io() {
  asm volatile("outb %0, %1" ::"a"(uint8_t{0}), "Nd"(uint16_t{0xf4}));
  println("isolation: io got through");
}

// IA32_APIC_BASE = 0 would switch the host's local APIC off, were the write let through.
void msr() {
  asm volatile("wrmsr" ::"c"(0x1bu), "a"(0u), "d"(0u));
  println("isolation: msr got through");
}

struct [[gnu::packed]] IdtPointer {
  uint16_t limit;
  uint64_t base;
};

// An IDT without entries: #UD cannot be delivered, nor the #GP, nor the #DF: shutdown.
void triple_fault() {
  static const IdtPointer kEmpty = {0, 0};
  asm volatile("lidt %0\n\tud2" ::"m"(kEmpty));
  println("isolation: triple-fault got through");
}

// Never yields: the hypervisor must preempt it to keep every other guest running.
void spin() {
  for (uint64_t n = 0;; ++n) asm volatile("" : "+r"(n));  // a loop the compiler must keep
}

}  // namespace

std::span<const Attack> ending_attacks() {
  static constexpr Attack kAttacks[] = {
      {"read-outside", read_outside},
      {"write-outside", write_outside},
      {"io", io},
      {"msr", msr},
      {"triple-fault", triple_fault},
      {"spin", spin},
  };
  return kAttacks;
}

}  // namespace godwit::guest::isolation
