// What a VT-x CPU with EPT accessed/dirty flags and page-modification logging does on a
// guest write (Intel SDM Vol. 3C 29.3.5 and 29.3.6), over a SecondLevelSpace with fake
// table memory: with logging on, a write through a leaf whose dirty flag is clear first
// checks the PML index (out of 0-511: a log-full exit, the write does not happen),
// then sets the flag, stores the page's address at the index and decrements it. With
// logging off, EPT A/D flags are off too and nothing is recorded. The fake's PmlFields
// are the VMCS fields PageModificationLog works through.
// It models no TLB: SecondLevelSpace's flush rule is tested on its own.
#pragma once

#include <cstdint>
#include <stdexcept>

#include "arch/x86/paging/second_level_space.h"
#include "arch/x86/vmx/page_modification_log.h"
#include "tests/unit/fakes/fake_table_memory.h"

namespace godwit::testing {

class FakeEptCpu final : public x86::vmx::PmlFields {
 public:
  FakeEptCpu(x86::SecondLevelSpace& space, FakeTableMemory& tables) : space_(space), tables_(tables) {}

  uint16_t index() override { return pml_index; }
  void set_index(uint16_t value) override { pml_index = value; }
  void set_logging(bool on) override { logging = on; }

  // The leaf entry mapping `gpa` (the walk the CPU does); throws when unmapped.
  uint64_t& leaf(uint64_t gpa) {
    uint64_t table = space_.root();
    for (int level = 3; level > 0; --level) {
      uint64_t entry = tables_.entries(table)[(gpa >> (12 + 9 * level)) & 511];
      if (!x86::second_level::present(x86::PagingFormat::kEpt, entry)) throw std::logic_error("unmapped gpa");
      table = x86::second_level::address(entry);
    }
    return tables_.entries(table)[(gpa >> 12) & 511];
  }

  // The guest writes to `gpa`: true when the write happened, false for a log-full exit
  // (the caller handles the exit and writes again).
  bool write(uint64_t gpa) {
    uint64_t& entry = leaf(gpa);
    if ((entry & x86::second_level::kEptWrite) == 0) throw std::logic_error("write to a read-only page");
    if (!logging || (entry & x86::second_level::kEptDirty) != 0) return true;
    if (pml_index >= x86::vmx::PageModificationLog::kEntries) return false;
    entry |= x86::second_level::kEptDirty | x86::second_level::kEptAccessed;
    log[pml_index] = gpa & ~uint64_t{0xFFF};
    pml_index = static_cast<uint16_t>(pml_index - 1);  // 0 -> 0xFFFF: full
    return true;
  }

  uint64_t log[x86::vmx::PageModificationLog::kEntries] = {};
  uint16_t pml_index = 0;
  bool logging = false;

 private:
  x86::SecondLevelSpace& space_;
  FakeTableMemory& tables_;
};

}  // namespace godwit::testing
