// The instruction behind an MMIO exit. A second-level fault on the device window tells the
// hypervisor the guest-physical address, and whether it was a read or a write, but not
// the value or the register: QEMU's AMD-V has no decode assists, and VT-x reports no
// value either. So the hypervisor reads the bytes at the guest's RIP and decodes them.
// Only the forms the guest runtime uses are accepted (a 32-bit `mov` between a general
// register and memory, any ModRM/SIB addressing); anything else ends the guest.
#pragma once

#include <cstdint>
#include <span>

#include "arch/x86/vcpu_state.h"
#include "lib/expected.h"

namespace godwit::devices {

// x86-64 instructions are at most 15 bytes (Intel SDM Vol. 2A 2.3.11).
inline constexpr size_t kMaxInstructionBytes = 15;

struct MmioInstruction {
  uint8_t length = 0;  // bytes, so the handler can advance RIP past it
  bool write = false;  // 89 /r (mov m32, r32) stores; 8B /r (mov r32, m32) loads
  uint8_t size = 4;    // bytes accessed (only 32-bit accesses are decoded)
  uint8_t reg = 0;     // the register operand, x86 encoding (x86::Gpr)
  // The memory operand, so the handler can check that the instruction it decoded is the
  // one that faulted: base + index * scale + displacement (RIP-relative: next RIP + disp).
  bool rip_relative = false;
  int8_t base = -1;   // x86::Gpr, or -1 for none
  int8_t index = -1;  // x86::Gpr, or -1 for none
  uint8_t scale = 1;
  int32_t displacement = 0;
};

// Decodes one instruction from the bytes at RIP (fewer than 15 when RAM ends sooner).
// kUnsupported: not one of the accepted forms (prefixes other than REX, REX.W, other
// opcodes, a register operand in ModRM.rm); kTruncated: the bytes end inside it.
Expected<MmioInstruction> decode_mmio_instruction(std::span<const uint8_t> bytes);

// The linear address the instruction accesses, with the registers at the exit.
uint64_t effective_address(const MmioInstruction& insn, const x86::GuestRegisters& regs);

}  // namespace godwit::devices
