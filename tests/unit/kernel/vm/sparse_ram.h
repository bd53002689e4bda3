// Guest RAM for tests of any size up to abi::kMaxMemory: pages exist (scattered in host
// memory, filled with `fill`) only once something touches them, so a 1 GiB guest costs
// only the pages a test uses, and a test can tell which pages were touched at all.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/vm/guest_ram.h"

namespace godwit::testing {

class SparseRam final : public GuestRam {
 public:
  explicit SparseRam(uint64_t bytes, uint8_t fill = 0) : bytes_(bytes), fill_(fill) {}
  uint64_t size_bytes() const override { return bytes_; }
  uint8_t* page(uint64_t gfn) override {
    if (gfn >= page_count()) return nullptr;
    auto [it, added] = pages_.try_emplace(gfn);
    if (added) it->second.assign(kGuestPageSize, fill_);
    return it->second.data();
  }
  size_t touched_pages() const { return pages_.size(); }

  uint64_t read_u64(uint64_t gpa) {
    uint64_t value = 0;
    EXPECT_TRUE(copy_from_guest(*this, gpa, std::span(reinterpret_cast<uint8_t*>(&value), 8)));
    return value;
  }

 private:
  uint64_t bytes_;
  uint8_t fill_;
  std::map<uint64_t, std::vector<uint8_t>> pages_;
};

}  // namespace godwit::testing
