#include "kernel/vm/devices/mmio_instruction.h"

namespace godwit::devices {

namespace {

// Intel SDM Vol. 2A 2.2.1: REX is 0100WRXB.
constexpr uint8_t kRexW = 8, kRexR = 4, kRexX = 2, kRexB = 1;
constexpr uint8_t kMovStore = 0x89;  // MOV r/m32, r32
constexpr uint8_t kMovLoad = 0x8B;   // MOV r32, r/m32

int32_t read_le32(std::span<const uint8_t> b, size_t at) {
  return static_cast<int32_t>(uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
                              uint32_t{b[at + 3]} << 24);
}

}  // namespace

Expected<MmioInstruction> decode_mmio_instruction(std::span<const uint8_t> bytes) {
  if (bytes.size() > kMaxInstructionBytes) bytes = bytes.first(kMaxInstructionBytes);
  size_t at = 0;
  uint8_t rex = 0;
  if (at < bytes.size() && (bytes[at] & 0xF0) == 0x40) rex = bytes[at++];
  if (rex & kRexW) return fail(Error::kUnsupported);  // 64-bit: registers are 32 bits wide
  if (at + 2 > bytes.size()) return fail(Error::kTruncated);
  uint8_t opcode = bytes[at++];
  if (opcode != kMovStore && opcode != kMovLoad) return fail(Error::kUnsupported);
  MmioInstruction insn;
  insn.write = opcode == kMovStore;
  // Vol. 2A 2.1.5, Tables 2-2 and 2-3: ModRM = mod[7:6] reg[5:3] rm[2:0].
  uint8_t modrm = bytes[at++];
  uint8_t mod = modrm >> 6;
  uint8_t rm = modrm & 7;
  insn.reg = static_cast<uint8_t>(((modrm >> 3) & 7) | ((rex & kRexR) ? 8 : 0));
  if (mod == 3) return fail(Error::kUnsupported);  // a register, not memory
  size_t displacement_bytes = mod == 1 ? 1 : mod == 2 ? 4 : 0;
  if (rm == 4) {
    // SIB = scale[7:6] index[5:3] base[2:0]; index 4 without REX.X means none.
    if (at >= bytes.size()) return fail(Error::kTruncated);
    uint8_t sib = bytes[at++];
    uint8_t index = static_cast<uint8_t>(((sib >> 3) & 7) | ((rex & kRexX) ? 8 : 0));
    uint8_t base = static_cast<uint8_t>((sib & 7) | ((rex & kRexB) ? 8 : 0));
    insn.scale = static_cast<uint8_t>(1u << (sib >> 6));
    if (index != 4) insn.index = static_cast<int8_t>(index);
    if (mod == 0 && (sib & 7) == 5) {
      displacement_bytes = 4;  // no base, disp32
    } else {
      insn.base = static_cast<int8_t>(base);
    }
  } else if (mod == 0 && rm == 5) {
    insn.rip_relative = true;  // 64-bit mode: [RIP + disp32]
    displacement_bytes = 4;
  } else {
    insn.base = static_cast<int8_t>(rm | ((rex & kRexB) ? 8 : 0));
  }
  if (at + displacement_bytes > bytes.size()) return fail(Error::kTruncated);
  if (displacement_bytes == 1)
    insn.displacement = static_cast<int32_t>(bytes[at] ^ 0x80u) - 0x80;  // sign-extend
  if (displacement_bytes == 4) insn.displacement = read_le32(bytes, at);
  at += displacement_bytes;
  insn.length = static_cast<uint8_t>(at);
  return insn;
}

uint64_t effective_address(const MmioInstruction& insn, const x86::GuestRegisters& regs) {
  uint64_t address = static_cast<uint64_t>(static_cast<int64_t>(insn.displacement));
  if (insn.rip_relative) address += regs.rip + insn.length;
  if (insn.base >= 0) address += regs.gpr[insn.base];
  if (insn.index >= 0) address += regs.gpr[insn.index] * insn.scale;
  return address;
}

}  // namespace godwit::devices
