// Table pages for the second-level walker, from host memory, with fake "physical"
// addresses so that a wrong address computation shows up as a lookup failure.
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "arch/x86/paging/table_memory.h"

namespace godwit::testing {

class FakeTableMemory final : public x86::TableMemory {
 public:
  static constexpr uint64_t kBase = 0x4000'0000;

  Expected<uint64_t> allocate_table() override {
    if (limit_ != 0 && tables_.size() >= limit_) return fail(Error::kOutOfMemory);
    uint64_t address = kBase + next_++ * 4096;
    tables_[address] = std::make_unique<uint64_t[]>(512);
    return address;
  }
  void free_table(uint64_t table) override { tables_.erase(table); }
  uint64_t* entries(uint64_t table) override { return tables_.at(table).get(); }

  size_t live_tables() const { return tables_.size(); }
  void set_limit(size_t tables) { limit_ = tables; }

 private:
  std::map<uint64_t, std::unique_ptr<uint64_t[]>> tables_;
  uint64_t next_ = 0;
  size_t limit_ = 0;
};

}  // namespace godwit::testing
