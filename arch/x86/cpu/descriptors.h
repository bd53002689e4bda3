// Segment descriptors, the 64-bit TSS and IDT gates, typed once
// (Intel SDM Vol. 3A 3.4.5 "Segment Descriptors", 8.2.3 "TSS Descriptor in 64-bit
// mode", 8.7 "Task Management in 64-bit Mode", 7.14.1 "64-Bit Mode IDT").
#pragma once

#include <cstdint>

namespace godwit::x86 {

inline constexpr uint16_t kKernelCode = 0x08;
inline constexpr uint16_t kKernelData = 0x10;
inline constexpr uint16_t kTaskState = 0x18;  // occupies two GDT slots

struct [[gnu::packed]] TaskStateSegment {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];  // ist[0] is IST1
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
};
static_assert(sizeof(TaskStateSegment) == 104);

struct [[gnu::packed]] IdtGate {
  uint16_t offset_low;
  uint16_t selector;
  uint8_t ist;        // bits 0-2: interrupt stack table index, 0 = none
  uint8_t type_attr;  // 0x8E: present, DPL 0, 64-bit interrupt gate
  uint16_t offset_mid;
  uint32_t offset_high;
  uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] DescriptorTablePointer {
  uint16_t limit;
  uint64_t base;
};

// Interrupt stack table slots.
inline constexpr uint8_t kIstDoubleFault = 1;
inline constexpr uint8_t kIstNmi = 2;
inline constexpr uint8_t kIstMachineCheck = 3;

// Loads the hypervisor's GDT with a TSS (host TR must be a real TSS for VM entries:
// SDM 27.2.3) and gives faults that must not reuse a broken stack their own IST stacks.
void init_gdt();

}  // namespace godwit::x86
