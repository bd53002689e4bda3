#include "lib/page_bitmap.h"

namespace godwit {

PageBitmap::PageBitmap(std::span<uint64_t> bits, uint64_t frame_count)
    : bits_(bits.first(words_for(frame_count))), frame_count_(frame_count) {
  for (uint64_t& word : bits_) word = 0;
}

bool PageBitmap::mark(uint64_t gfn) {
  if (gfn >= frame_count_) return false;
  uint64_t& word = bits_[gfn / 64];
  uint64_t bit = uint64_t{1} << (gfn % 64);
  if ((word & bit) == 0) {
    word |= bit;
    ++count_;
  }
  return true;
}

void PageBitmap::unmark(uint64_t gfn) {
  if (gfn >= frame_count_) return;
  uint64_t& word = bits_[gfn / 64];
  uint64_t bit = uint64_t{1} << (gfn % 64);
  if ((word & bit) != 0) {
    word &= ~bit;
    --count_;
  }
}

bool PageBitmap::test(uint64_t gfn) const {
  return gfn < frame_count_ && ((bits_[gfn / 64] >> (gfn % 64)) & 1) != 0;
}

void PageBitmap::mark_all() {
  for (uint64_t& word : bits_) word = ~uint64_t{0};
  if (uint64_t tail = frame_count_ % 64; tail != 0) bits_.back() = (uint64_t{1} << tail) - 1;
  count_ = frame_count_;
}

bool PageBitmap::mark_range(uint64_t first, uint64_t count) {
  if (first >= frame_count_ || frame_count_ - first < count) return false;
  for (uint64_t at = first, end = first + count; at < end;) {
    size_t w = static_cast<size_t>(at / 64);
    uint64_t word_end = (uint64_t{w} + 1) * 64 < end ? (uint64_t{w} + 1) * 64 : end;
    uint64_t mask = ~uint64_t{0} << (at % 64);
    if (word_end % 64 != 0) mask &= (uint64_t{1} << (word_end % 64)) - 1;
    count_ += static_cast<uint64_t>(__builtin_popcountll(mask & ~bits_[w]));
    bits_[w] |= mask;
    at = word_end;
  }
  return true;
}

size_t PageBitmap::take(std::span<uint64_t> out) {
  size_t taken = 0;
  for (size_t w = 0; w < bits_.size() && taken < out.size(); ++w) {
    while (bits_[w] != 0 && taken < out.size()) {
      unsigned bit = static_cast<unsigned>(__builtin_ctzll(bits_[w]));
      bits_[w] &= bits_[w] - 1;
      out[taken++] = uint64_t{w} * 64 + bit;
    }
  }
  count_ -= taken;
  return taken;
}

void PageBitmap::clear() {
  for (uint64_t& word : bits_) word = 0;
  count_ = 0;
}

uint64_t PageBitmap::find_next(uint64_t from) const {
  if (from >= frame_count_) return frame_count_;
  size_t w = static_cast<size_t>(from / 64);
  uint64_t word = bits_[w] & (~uint64_t{0} << (from % 64));
  while (word == 0) {
    if (++w == bits_.size()) return frame_count_;
    word = bits_[w];
  }
  return uint64_t{w} * 64 + static_cast<unsigned>(__builtin_ctzll(word));
}

}  // namespace godwit
