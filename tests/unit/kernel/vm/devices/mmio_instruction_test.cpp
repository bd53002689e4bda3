#include "kernel/vm/devices/mmio_instruction.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit::devices {
namespace {

Expected<MmioInstruction> decode(std::vector<uint8_t> bytes) { return decode_mmio_instruction(bytes); }

TEST(MmioInstruction, LoadThroughRegister) {
  auto insn = decode({0x8b, 0x07, 0x90});  // mov eax, [rdi]; nop
  ASSERT_TRUE(insn);
  EXPECT_EQ(insn->length, 2);
  EXPECT_FALSE(insn->write);
  EXPECT_EQ(insn->reg, x86::kRax);
  EXPECT_EQ(insn->base, x86::kRdi);
  EXPECT_EQ(insn->index, -1);
}

TEST(MmioInstruction, StoreWithRexAndDisplacements) {
  auto a = decode({0x44, 0x89, 0x47, 0x70});  // mov [rdi+0x70], r8d
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->write);
  EXPECT_EQ(a->length, 4);
  EXPECT_EQ(a->reg, x86::kR8);
  EXPECT_EQ(a->base, x86::kRdi);
  EXPECT_EQ(a->displacement, 0x70);
  auto b = decode({0x41, 0x8b, 0x81, 0x00, 0x01, 0x00, 0x00});  // mov eax, [r9+0x100]
  ASSERT_TRUE(b);
  EXPECT_EQ(b->length, 7);
  EXPECT_EQ(b->base, x86::kR9);
  EXPECT_EQ(b->displacement, 0x100);
  auto c = decode({0x8b, 0x46, 0xfc});  // mov eax, [rsi-4]
  ASSERT_TRUE(c);
  EXPECT_EQ(c->displacement, -4);
}

TEST(MmioInstruction, SibRipRelativeAndAbsolute) {
  auto sib = decode({0x8b, 0x04, 0x8f});  // mov eax, [rdi+rcx*4]
  ASSERT_TRUE(sib);
  EXPECT_EQ(sib->length, 3);
  EXPECT_EQ(sib->base, x86::kRdi);
  EXPECT_EQ(sib->index, x86::kRcx);
  EXPECT_EQ(sib->scale, 4);
  auto rsp = decode({0x89, 0x04, 0x24});  // mov [rsp], eax: index 4 means none
  ASSERT_TRUE(rsp);
  EXPECT_EQ(rsp->base, x86::kRsp);
  EXPECT_EQ(rsp->index, -1);
  auto r12 = decode({0x43, 0x8b, 0x04, 0x24});  // REX.X|B: mov eax, [r12+r12]? index r12 is real
  ASSERT_TRUE(r12);
  EXPECT_EQ(r12->base, x86::kR12);
  EXPECT_EQ(r12->index, x86::kR12);
  auto rip = decode({0x8b, 0x05, 0x10, 0x00, 0x00, 0x00});  // mov eax, [rip+0x10]
  ASSERT_TRUE(rip);
  EXPECT_TRUE(rip->rip_relative);
  EXPECT_EQ(rip->length, 6);
  auto absolute = decode({0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x40});  // mov eax, [0x40000000]
  ASSERT_TRUE(absolute);
  EXPECT_EQ(absolute->length, 7);
  EXPECT_EQ(absolute->base, -1);
  EXPECT_EQ(absolute->index, -1);
  x86::GuestRegisters regs;
  EXPECT_EQ(effective_address(*absolute, regs), 0x40000000u);
}

TEST(MmioInstruction, EffectiveAddress) {
  x86::GuestRegisters regs;
  regs.gpr[x86::kRdi] = 0x40000000;
  regs.gpr[x86::kRcx] = 3;
  regs.rip = 0x100000;
  EXPECT_EQ(effective_address(*decode({0x8b, 0x04, 0x8f}), regs), 0x4000000cu);
  EXPECT_EQ(effective_address(*decode({0x8b, 0x47, 0xfc}), regs), 0x3ffffffcu);
  EXPECT_EQ(effective_address(*decode({0x8b, 0x05, 0x10, 0x00, 0x00, 0x00}), regs), 0x100016u);
}

TEST(MmioInstruction, RefusesEverythingElse) {
  EXPECT_EQ(decode({0x48, 0x8b, 0x07}).error(), Error::kUnsupported);        // 64-bit mov
  EXPECT_EQ(decode({0x66, 0x8b, 0x07}).error(), Error::kUnsupported);        // 16-bit prefix
  EXPECT_EQ(decode({0x8a, 0x07}).error(), Error::kUnsupported);              // 8-bit mov
  EXPECT_EQ(decode({0x0f, 0xb6, 0x07}).error(), Error::kUnsupported);        // movzx
  EXPECT_EQ(decode({0x89, 0xc7}).error(), Error::kUnsupported);              // register to register
  EXPECT_EQ(decode({0xf0, 0x89, 0x07}).error(), Error::kUnsupported);        // lock
  EXPECT_EQ(decode({0xc7, 0x07, 1, 0, 0, 0}).error(), Error::kUnsupported);  // mov m32, imm32
}

TEST(MmioInstruction, TruncatedBytes) {
  EXPECT_EQ(decode({}).error(), Error::kTruncated);
  EXPECT_EQ(decode({0x8b}).error(), Error::kTruncated);
  EXPECT_EQ(decode({0x8b, 0x04}).error(), Error::kTruncated);              // SIB missing
  EXPECT_EQ(decode({0x8b, 0x87, 0x00, 0x01}).error(), Error::kTruncated);  // disp32 cut
  EXPECT_EQ(decode({0x41}).error(), Error::kTruncated);
}

}  // namespace
}  // namespace godwit::devices
