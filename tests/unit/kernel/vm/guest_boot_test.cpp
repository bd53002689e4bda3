#include "kernel/vm/guest_boot.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <optional>
#include <string>

#include "godwit/abi.h"
#include "tests/unit/kernel/vm/sparse_ram.h"

namespace godwit {
namespace {

using testing::SparseRam;

constexpr uint64_t kMiB = 1ull << 20;

GuestBootParams params(std::string_view command_line = "wss=4M rate=200") {
  return {abi::kImageBase + 0x40, abi::kImageBase + 0x5000, 7, abi::kInstructionVmmcall, command_line};
}

// What the CPU would do with a linear address under the tables in guest RAM (SDM Vol. 3A
// 4.5): the physical address, or nothing when a level is not present.
std::optional<uint64_t> translate(SparseRam& ram, uint64_t cr3, uint64_t linear) {
  constexpr uint64_t kAddress = 0x000F'FFFF'FFFF'F000ull;
  uint64_t table = cr3 & kAddress;
  for (int level = 3; level >= 0; --level) {
    uint64_t index = (linear >> (12 + 9 * level)) & 511;
    uint64_t entry = ram.read_u64(table + index * 8);
    if ((entry & 1) == 0) return std::nullopt;
    EXPECT_NE(entry & 2, 0u) << "not writable at level " << level;
    EXPECT_EQ(entry & 4, 0u) << "user-accessible at level " << level;
    if (level == 1 && (entry & 0x80) != 0) return (entry & kAddress & ~0x1FFFFFull) | (linear & 0x1FFFFF);
    EXPECT_EQ(entry & 0x80, 0u) << "unexpected large page at level " << level;
    table = entry & kAddress;
  }
  return table | (linear & 0xFFF);
}

TEST(GuestBoot, PageTablesIdentityMapAllRamButPageZero) {
  for (uint64_t size : {abi::kMinMemory, 6 * kMiB, 64 * kMiB, abi::kMaxMemory}) {
    SparseRam ram(size);
    auto state = prepare_guest(ram, params());
    ASSERT_TRUE(state.ok()) << size;
    SCOPED_TRACE(size);
    for (uint64_t gpa : {uint64_t{0x1000}, uint64_t{0x3008}, uint64_t{0x7ffff}, abi::kImageBase + 0x123,
                         uint64_t{0x1fffff}, size - 1, size / 2 + 0x4567})
      EXPECT_EQ(translate(ram, state->cr3, gpa), gpa) << std::hex << gpa;
    for (uint64_t gpa :
         {uint64_t{0}, uint64_t{0xfff}, size, size + 0x1000, uint64_t{1} << 39, uint64_t{3} << 30})
      EXPECT_EQ(translate(ram, state->cr3, gpa), std::nullopt) << std::hex << gpa;
  }
}

TEST(GuestBoot, LargeRamUsesOnlyTheLowPages) {
  SparseRam ram(abi::kMaxMemory, 0xaa);
  ASSERT_TRUE(prepare_guest(ram, params()).ok());
  // Boot info, GDT and four table pages: all below the stack, nothing else touched.
  EXPECT_EQ(ram.touched_pages(), 6u);
  EXPECT_EQ(ram.page(0x7)[0], 0xaa);
}

TEST(GuestBoot, WritesTheBootInfo) {
  SparseRam ram(64 * kMiB, 0xaa);
  ASSERT_TRUE(prepare_guest(ram, params()).ok());
  abi::GuestBootInfo info;
  std::memcpy(&info, ram.page(abi::kBootInfoAddress / 4096), sizeof(info));
  EXPECT_EQ(info.magic, abi::kBootInfoMagic);
  EXPECT_EQ(info.version_major, 1);
  EXPECT_EQ(info.version_minor, abi::kVersionMinor);
  EXPECT_EQ(info.memory_bytes, 64 * kMiB);
  EXPECT_EQ(info.free_start, abi::kImageBase + 0x5000);
  EXPECT_EQ(info.guest_id, 7u);
  EXPECT_EQ(info.hypercall_instruction, abi::kInstructionVmmcall);
  EXPECT_STREQ(info.command_line, "wss=4M rate=200");
  for (size_t i = std::strlen(info.command_line); i < abi::kMaxCommandLine; ++i)
    ASSERT_EQ(info.command_line[i], 0) << i;
  const uint8_t* page = ram.page(abi::kBootInfoAddress / 4096);
  for (size_t i = sizeof(info); i < 4096; ++i) ASSERT_EQ(page[i], 0) << i;
}

TEST(GuestBoot, CommandLineLimit) {
  std::string longest(abi::kMaxCommandLine - 1, 'x');
  SparseRam ram(abi::kMinMemory);
  ASSERT_TRUE(prepare_guest(ram, params(longest)).ok());
  EXPECT_EQ(ram.page(1)[offsetof(abi::GuestBootInfo, command_line) + longest.size()], 0);
  SparseRam untouched(abi::kMinMemory);
  EXPECT_EQ(prepare_guest(untouched, params(longest + "x")).error(), Error::kInvalidArgument);
  EXPECT_EQ(prepare_guest(untouched, params(std::string_view("a\0b", 3))).error(), Error::kInvalidArgument);
  EXPECT_EQ(untouched.touched_pages(), 0u);
}

TEST(GuestBoot, RejectsBadMemorySizesAndParameters) {
  for (uint64_t size : {uint64_t{0}, kMiB, 3 * kMiB, abi::kMaxMemory + 2 * kMiB, 2 * abi::kMaxMemory}) {
    SparseRam ram(size);
    EXPECT_EQ(prepare_guest(ram, params()).error(), Error::kInvalidArgument) << size;
  }
  SparseRam ram(abi::kMinMemory);
  auto p = params();
  p.hypercall_instruction = 0;
  EXPECT_EQ(prepare_guest(ram, p).error(), Error::kInvalidArgument);
  p = params();
  p.entry = abi::kImageBase - 1;
  EXPECT_EQ(prepare_guest(ram, p).error(), Error::kInvalidArgument);
  p = params();
  p.entry = p.free_start;
  EXPECT_EQ(prepare_guest(ram, p).error(), Error::kInvalidArgument);
  p = params();
  p.free_start = abi::kMinMemory + 0x1000;  // image larger than RAM
  EXPECT_EQ(prepare_guest(ram, p).error(), Error::kInvalidArgument);
  p = params();
  p.free_start += 1;
  EXPECT_EQ(prepare_guest(ram, p).error(), Error::kInvalidArgument);
  EXPECT_EQ(ram.touched_pages(), 0u);
}

TEST(GuestBoot, GdtMatchesTheSegmentState) {
  SparseRam ram(abi::kMinMemory);
  auto state = prepare_guest(ram, params());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(ram.read_u64(abi::kGdtAddress), 0u);
  EXPECT_EQ(ram.read_u64(abi::kGdtAddress + abi::kCodeSelector), 0x00AF9B000000FFFFull);
  EXPECT_EQ(ram.read_u64(abi::kGdtAddress + abi::kDataSelector), 0x00CF93000000FFFFull);
  // TSS descriptor: limit 103, base kTssAddress, busy 64-bit TSS, present.
  uint64_t tss = ram.read_u64(abi::kGdtAddress + abi::kTssSelector);
  EXPECT_EQ(tss & 0xFFFF, 103u);
  EXPECT_EQ(((tss >> 16) & 0xFFFFFF) | ((tss >> 56) << 24), abi::kTssAddress);
  EXPECT_EQ((tss >> 40) & 0xFF, 0x8Bu);
  EXPECT_EQ(ram.read_u64(abi::kGdtAddress + abi::kTssSelector + 8), 0u);
  // The TSS: no I/O bitmap (its offset is at the limit), no stacks.
  EXPECT_EQ(ram.read_u64(abi::kTssAddress + 96) >> 48, 104u);
  EXPECT_EQ(ram.read_u64(abi::kTssAddress + 4), 0u);

  EXPECT_EQ(state->gdtr.base, abi::kGdtAddress);
  EXPECT_EQ(state->gdtr.limit, abi::kGdtLimit);
  EXPECT_EQ(state->idtr.limit, 0u);
  EXPECT_EQ(state->cs.selector, abi::kCodeSelector);
  EXPECT_EQ(state->cs.attributes, 0xA09Bu);
  EXPECT_EQ(state->cs.limit, 0xFFFFFFFFu);
  for (const x86::SegmentState* s : {&state->ss, &state->ds, &state->es, &state->fs, &state->gs}) {
    EXPECT_EQ(s->selector, abi::kDataSelector);
    EXPECT_EQ(s->attributes, 0xC093u);
    EXPECT_EQ(s->base, 0u);
  }
  EXPECT_EQ(state->tr.selector, abi::kTssSelector);
  EXPECT_EQ(state->tr.attributes, 0x8Bu);
  EXPECT_EQ(state->tr.base, abi::kTssAddress);
  EXPECT_EQ(state->tr.limit, 103u);
  EXPECT_EQ(state->ldtr.attributes, 1u << 16);
}

TEST(GuestBoot, EntryRegisters) {
  SparseRam ram(abi::kMinMemory);
  auto state = prepare_guest(ram, params());
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->regs.rip, abi::kImageBase + 0x40);
  EXPECT_EQ(state->regs.rflags, 0x2u);
  EXPECT_EQ(state->regs.gpr[x86::kRsp], abi::kStackTop);
  EXPECT_EQ(state->regs.gpr[x86::kRdi], abi::kBootInfoAddress);
  EXPECT_EQ(state->regs.gpr[x86::kRax], 0u);
  EXPECT_EQ(state->cr0, 0x80010033u);
  EXPECT_EQ(state->cr3, abi::kPageTablesAddress);
  EXPECT_EQ(state->cr4, 0x620u);
  EXPECT_EQ(state->efer, 0xD00u);
}

}  // namespace
}  // namespace godwit
