#include "kernel/vm/guest_ram.h"

#include <gtest/gtest.h>

#include <vector>

namespace godwit {
namespace {

// Pages deliberately not contiguous in host memory, as in the hypervisor.
class ScatteredRam final : public GuestRam {
 public:
  explicit ScatteredRam(size_t pages) : pages_(pages, std::vector<uint8_t>(kGuestPageSize)) {}
  uint64_t size_bytes() const override { return pages_.size() * kGuestPageSize; }
  uint8_t* page(uint64_t gfn) override { return gfn < pages_.size() ? pages_[gfn].data() : nullptr; }

 private:
  std::vector<std::vector<uint8_t>> pages_;
};

TEST(GuestRam, CopiesAcrossPageBoundaries) {
  ScatteredRam ram(3);
  std::vector<uint8_t> data(6000);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  ASSERT_TRUE(copy_to_guest(ram, 4000, data));
  std::vector<uint8_t> back(data.size());
  ASSERT_TRUE(copy_from_guest(ram, 4000, back));
  EXPECT_EQ(back, data);
  EXPECT_EQ(ram.page(1)[0], data[96]);
}

TEST(GuestRam, RejectsRangesOutsideRam) {
  ScatteredRam ram(2);
  std::vector<uint8_t> buffer(16);
  EXPECT_EQ(copy_from_guest(ram, 2 * kGuestPageSize - 8, buffer).error(), Error::kRange);
  EXPECT_EQ(copy_to_guest(ram, ~uint64_t{0} - 4, buffer).error(), Error::kRange);
  EXPECT_TRUE(copy_from_guest(ram, 2 * kGuestPageSize, std::span<uint8_t>()));
  EXPECT_FALSE(guest_range_valid(ram, 1, ~uint64_t{0}));
  EXPECT_TRUE(guest_range_valid(ram, 0, 2 * kGuestPageSize));
}

}  // namespace
}  // namespace godwit
