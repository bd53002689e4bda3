#include "kernel/vm/guest_boot.h"

#include "arch/x86/cpu/descriptors.h"
#include "godwit/abi.h"
#include "lib/text_field.h"

namespace godwit {

namespace {

constexpr uint64_t kPage = kGuestPageSize;
constexpr uint64_t kLargePage = 2ull << 20;
constexpr uint64_t kEntriesPerTable = 512;

// 4-level paging entries (Intel SDM Vol. 3A 4.5, Tables 4-14 to 4-20): present,
// writable, and page size (a 2 MiB leaf in a page directory). Supervisor, executable.
constexpr uint64_t kPresent = 1u << 0, kWritable = 1u << 1, kLargeLeaf = 1u << 7;
constexpr uint64_t kPml4 = abi::kPageTablesAddress, kPdpt = kPml4 + kPage;
constexpr uint64_t kPd = kPdpt + kPage, kFirstPt = kPd + kPage;
static_assert(kFirstPt + kPage == abi::kPageTablesAddress + abi::kPageTablesBytes);
static_assert(abi::kPageTablesAddress + abi::kPageTablesBytes <= abi::kStackBottom);
// One page directory covers all of it: no memory size needs a second one.
static_assert(abi::kMaxMemory <= kEntriesPerTable * kLargePage);

// Control registers at entry (SDM Vol. 3A 2.5, 2.2.1).
constexpr uint64_t kCr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1u << 31);
constexpr uint64_t kCr4 = (1u << 5) | (1u << 9) | (1u << 10);
constexpr uint64_t kEfer = (1u << 8) | (1u << 10) | (1u << 11);

// Segment attributes in the VMX access-rights layout (SDM Vol. 3C 25.4.1), which is the
// descriptor's access byte (bits 7:0) and flags nibble (bits 15:12) side by side; the
// GDT entries below are encoded from the same values, so the two cannot disagree.
constexpr uint32_t kCodeAttributes = 0xA09B;  // G, L, P, S, type 11 (code, read, accessed)
constexpr uint32_t kDataAttributes = 0xC093;  // G, D/B, P, S, type 3 (data, write, accessed)
constexpr uint32_t kTssAttributes = 0x008B;   // P, type 11 (busy 64-bit TSS)
constexpr uint32_t kUnusable = 1u << 16;
constexpr uint32_t kFlatLimit = 0xFFFFF;  // in 4 KiB units (G=1): 4 GiB
constexpr uint32_t kTssLimit = sizeof(x86::TaskStateSegment) - 1;
static_assert(abi::kTssAddress % 8 == 0 &&
              abi::kTssAddress + sizeof(x86::TaskStateSegment) <= abi::kGdtAddress + kPage);
static_assert(abi::kGdtAddress + abi::kGdtLimit < abi::kTssAddress);

// A code, data or system descriptor's low 8 bytes (SDM Vol. 3A 3.4.5, Figure 3-8).
constexpr uint64_t descriptor(uint32_t base, uint32_t limit, uint32_t attributes) {
  return (limit & 0xFFFFull) | (uint64_t{base & 0xFFFFFF} << 16) | (uint64_t{attributes & 0xFF} << 40) |
         (uint64_t{(limit >> 16) & 0xF} << 48) | (uint64_t{(attributes >> 12) & 0xF} << 52) |
         (uint64_t{base >> 24} << 56);
}

struct GdtPage {
  uint64_t slots[5];  // null, code, data, TSS low, TSS high (base 63:32)
};
static_assert(sizeof(GdtPage) == abi::kGdtLimit + 1u);

Status zero_guest(GuestRam& ram, uint64_t gpa, uint64_t length) {
  static constexpr uint8_t kZeros[kPage] = {};
  for (uint64_t done = 0; done < length; done += kPage) {
    uint64_t piece = length - done < kPage ? length - done : kPage;
    if (Status s = copy_to_guest(ram, gpa + done, std::span(kZeros, piece)); !s) return s;
  }
  return ok();
}

template <class T>
Status write_guest(GuestRam& ram, uint64_t gpa, const T& value) {
  return copy_to_guest(ram, gpa, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
}

// Fills the 512 entries of the table at `table` with entry_for(index), in small chunks
// so no 4 KiB buffer sits on the hypervisor's stack.
template <class EntryFor>
Status write_table(GuestRam& ram, uint64_t table, EntryFor entry_for) {
  uint64_t chunk[64];
  for (uint64_t first = 0; first < kEntriesPerTable; first += 64) {
    for (uint64_t i = 0; i < 64; ++i) chunk[i] = entry_for(first + i);
    if (Status s = write_guest(ram, table + first * 8, chunk); !s) return s;
  }
  return ok();
}

Status write_page_tables(GuestRam& ram) {
  constexpr uint64_t kTable = kPresent | kWritable;
  uint64_t large_pages = ram.size_bytes() / kLargePage;
  auto pml4 = [](uint64_t i) { return i == 0 ? kPdpt | kTable : 0; };
  auto pdpt = [](uint64_t i) { return i == 0 ? kPd | kTable : 0; };
  auto pd = [&](uint64_t i) -> uint64_t {
    if (i == 0) return kFirstPt | kTable;
    return i < large_pages ? (i * kLargePage) | kTable | kLargeLeaf : 0;
  };
  auto first_pt = [](uint64_t i) { return i == 0 ? 0 : (i * kPage) | kTable; };
  Status s = write_table(ram, kPml4, pml4);
  if (s) s = write_table(ram, kPdpt, pdpt);
  if (s) s = write_table(ram, kPd, pd);
  if (s) s = write_table(ram, kFirstPt, first_pt);
  return s;
}

Status write_gdt(GuestRam& ram) {
  GdtPage gdt = {{0, descriptor(0, kFlatLimit, kCodeAttributes), descriptor(0, kFlatLimit, kDataAttributes),
                  descriptor(static_cast<uint32_t>(abi::kTssAddress), kTssLimit, kTssAttributes),
                  abi::kTssAddress >> 32}};
  x86::TaskStateSegment tss = {};
  tss.io_map_base = sizeof(tss);  // past the limit: no I/O permission bitmap
  Status s = zero_guest(ram, abi::kGdtAddress, kPage);
  if (s) s = write_guest(ram, abi::kGdtAddress, gdt);
  if (s) s = write_guest(ram, abi::kTssAddress, tss);
  return s;
}

Status write_boot_info(GuestRam& ram, const GuestBootParams& p) {
  abi::GuestBootInfo info = {};
  info.magic = abi::kBootInfoMagic;
  info.version_major = abi::kVersionMajor;
  info.version_minor = abi::kVersionMinor;
  info.memory_bytes = ram.size_bytes();
  info.free_start = p.free_start;
  info.guest_id = p.guest_id;
  info.hypercall_instruction = p.hypercall_instruction;
  copy_to_field(info.command_line, p.command_line);  // params_valid() checked its length
  Status s = zero_guest(ram, abi::kBootInfoAddress, kPage);
  if (s) s = write_guest(ram, abi::kBootInfoAddress, info);
  return s;
}

bool params_valid(const GuestRam& ram, const GuestBootParams& p) {
  uint64_t size = ram.size_bytes();
  if (size % kLargePage != 0 || size < abi::kMinMemory || size > abi::kMaxMemory) return false;
  if (p.command_line.size() >= abi::kMaxCommandLine) return false;
  if (p.command_line.find('\0') != std::string_view::npos) return false;
  if (p.hypercall_instruction != abi::kInstructionVmcall &&
      p.hypercall_instruction != abi::kInstructionVmmcall)
    return false;
  if (p.free_start % kPage != 0 || p.free_start <= abi::kImageBase || p.free_start > size) return false;
  return p.entry >= abi::kImageBase && p.entry < p.free_start;
}

x86::SegmentState flat(uint16_t selector, uint32_t attributes) {
  return {selector, 0, attributes, 0xFFFFFFFF, 0, 0};
}

x86::VcpuState entry_state(uint64_t entry) {
  x86::VcpuState s;
  s.regs.rip = entry;
  s.regs.rflags = 0x2;
  s.regs.gpr[x86::kRsp] = abi::kStackTop;
  s.regs.gpr[x86::kRdi] = abi::kBootInfoAddress;
  s.cr0 = kCr0;
  s.cr3 = abi::kPageTablesAddress;
  s.cr4 = kCr4;
  s.efer = kEfer;
  s.cs = flat(abi::kCodeSelector, kCodeAttributes);
  s.ss = s.ds = s.es = s.fs = s.gs = flat(abi::kDataSelector, kDataAttributes);
  s.ldtr = {0, 0, kUnusable, 0, 0, 0};
  s.tr = {abi::kTssSelector, 0, kTssAttributes, kTssLimit, 0, abi::kTssAddress};
  s.gdtr = {abi::kGdtAddress, abi::kGdtLimit, 0};
  s.idtr = {0, 0, 0};
  return s;
}

}  // namespace

Expected<x86::VcpuState> prepare_guest(GuestRam& ram, const GuestBootParams& params) {
  if (!params_valid(ram, params)) return fail(Error::kInvalidArgument);
  if (Status s = write_boot_info(ram, params); !s) return s.failure();
  if (Status s = write_gdt(ram); !s) return s.failure();
  if (Status s = write_page_tables(ram); !s) return s.failure();
  return entry_state(params.entry);
}

}  // namespace godwit
