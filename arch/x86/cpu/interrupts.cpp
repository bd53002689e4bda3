#include "arch/x86/cpu/interrupts.h"

#include "arch/x86/cpu/descriptors.h"
#include "arch/x86/cpu/intrinsics.h"
#include "arch/x86/cpu/lapic.h"
#include "kernel/console/log.h"
#include "kernel/panic.h"

extern "C" const uint64_t isr_stub_table[65];

namespace godwit::x86 {

namespace {

alignas(16) IdtGate idt[256];
InterruptHandler handlers[64];

constexpr const char* kExceptionNames[32] = {"#DE divide error",
                                             "#DB debug",
                                             "NMI",
                                             "#BP breakpoint",
                                             "#OF overflow",
                                             "#BR bound range",
                                             "#UD invalid opcode",
                                             "#NM device not available",
                                             "#DF double fault",
                                             "coprocessor overrun",
                                             "#TS invalid TSS",
                                             "#NP segment not present",
                                             "#SS stack fault",
                                             "#GP general protection",
                                             "#PF page fault",
                                             "reserved 15",
                                             "#MF x87 error",
                                             "#AC alignment check",
                                             "#MC machine check",
                                             "#XM SIMD error",
                                             "#VE virtualization",
                                             "#CP control protection",
                                             "reserved 22",
                                             "reserved 23",
                                             "reserved 24",
                                             "reserved 25",
                                             "reserved 26",
                                             "reserved 27",
                                             "#HV hypervisor injection",
                                             "#VC VMM communication",
                                             "#SX security",
                                             "reserved 31"};

void set_gate(unsigned vector, uint64_t handler, uint8_t ist) {
  IdtGate& gate = idt[vector];
  gate.offset_low = static_cast<uint16_t>(handler);
  gate.selector = kKernelCode;
  gate.ist = ist;
  gate.type_attr = 0x8E;
  gate.offset_mid = static_cast<uint16_t>(handler >> 16);
  gate.offset_high = static_cast<uint32_t>(handler >> 32);
  gate.reserved = 0;
}

[[noreturn]] void report_exception(const TrapFrame& f) {
  log::error("CPU exception {} (vector {}) error code {:#x}", kExceptionNames[f.vector], f.vector,
             f.error_code);
  log::error("  rip {:016x}  cs {:x}  rflags {:016x}  rsp {:016x}  ss {:x}", f.rip, f.cs, f.rflags, f.rsp,
             f.ss);
  log::error("  rax {:016x}  rbx {:016x}  rcx {:016x}  rdx {:016x}", f.rax, f.rbx, f.rcx, f.rdx);
  log::error("  rsi {:016x}  rdi {:016x}  rbp {:016x}  r8  {:016x}", f.rsi, f.rdi, f.rbp, f.r8);
  log::error("  r9  {:016x}  r10 {:016x}  r11 {:016x}  r12 {:016x}", f.r9, f.r10, f.r11, f.r12);
  log::error("  r13 {:016x}  r14 {:016x}  r15 {:016x}", f.r13, f.r14, f.r15);
  log::error("  cr0 {:016x}  cr2 {:016x}  cr3 {:016x}  cr4 {:016x}", read_cr0(), read_cr2(), read_cr3(),
             read_cr4());
  panic("unhandled CPU exception in the hypervisor");
}

}  // namespace

void init_idt() {
  for (unsigned v = 0; v < 64; ++v) {
    uint8_t ist = v == 8 ? kIstDoubleFault : v == 2 ? kIstNmi : v == 18 ? kIstMachineCheck : 0;
    set_gate(v, isr_stub_table[v], ist);
  }
  set_gate(kVectorSpurious, isr_stub_table[64], 0);
  DescriptorTablePointer pointer{sizeof(idt) - 1, reinterpret_cast<uint64_t>(idt)};
  asm volatile("lidt %0" ::"m"(pointer));
}

void set_interrupt_handler(uint8_t vector, InterruptHandler handler) {
  if (vector >= 32 && vector < 64) handlers[vector] = handler;
}

void disable_legacy_pic() {
  // ICW1-ICW4 (Intel 8259A datasheet): edge, cascade, vector base, 8086 mode; then mask.
  outb(0x20, 0x11);
  outb(0xA0, 0x11);
  outb(0x21, kVectorLegacyPicBase);
  outb(0xA1, kVectorLegacyPicBase + 8);
  outb(0x21, 0x04);
  outb(0xA1, 0x02);
  outb(0x21, 0x01);
  outb(0xA1, 0x01);
  outb(0x21, 0xFF);
  outb(0xA1, 0xFF);
}

}  // namespace godwit::x86

extern "C" void trap_dispatch(godwit::x86::TrapFrame* frame) {
  using namespace godwit::x86;
  if (frame->vector < 32) report_exception(*frame);
  if (frame->vector == kVectorSpurious) return;  // no EOI for spurious (SDM 12.9)
  if (frame->vector >= kVectorLegacyPicBase && frame->vector < kVectorLegacyPicBase + 16) {
    return;  // a masked 8259 can still raise a spurious IRQ 7/15; nothing to acknowledge
  }
  if (frame->vector < 64 && handlers[frame->vector] != nullptr) handlers[frame->vector](*frame);
  lapic::end_of_interrupt();
}
