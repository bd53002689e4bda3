// Thin wrappers around the x86 instructions the hypervisor core needs. Backend-specific
// instructions (VMXON, VMRUN, INVEPT, ...) live with their backend in vmx/ and svm/.
#pragma once

#include <cstdint>

namespace godwit::x86 {

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};

inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r{};
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (uint64_t{hi} << 32) | lo;
}

inline void wrmsr(uint32_t msr, uint64_t value) {
  asm volatile("wrmsr" ::"c"(msr), "a"(static_cast<uint32_t>(value)),
               "d"(static_cast<uint32_t>(value >> 32)));
}

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" ::"a"(value), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint16_t inw(uint16_t port) {
  uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline uint32_t inl(uint16_t port) {
  uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

inline uint64_t read_cr0() {
  uint64_t v;
  asm volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr2() {
  uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr3() {
  uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
inline uint64_t read_cr4() {
  uint64_t v;
  asm volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }

inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
// Enables interrupts and halts in one step: an interrupt cannot slip in between.
inline void wait_for_interrupt() { asm volatile("sti; hlt; cli" ::: "memory"); }
// Lets an interrupt that is already pending run its handler now (STI takes effect after
// the next instruction, SDM Vol. 2B STI), then masks interrupts again.
inline void service_pending_interrupts() { asm volatile("sti; nop; cli" ::: "memory"); }
inline void pause() { asm volatile("pause"); }

inline uint64_t read_rflags() {
  uint64_t v;
  asm volatile("pushfq; popq %0" : "=r"(v));
  return v;
}

template <class T>
inline T mmio_read(uint64_t address) {
  return *reinterpret_cast<volatile T*>(address);
}
template <class T>
inline void mmio_write(uint64_t address, T value) {
  *reinterpret_cast<volatile T*>(address) = value;
}

}  // namespace godwit::x86
