// A set of guest pages: one bit per guest frame, with a count, marking, walking and
// taking the lowest marked frames. It is the one bitmap behind three roles:
//  - the dirty log: DirtyTracker (kernel/vm/dirty_tracker.cpp) marks a page on the first
//    write after it was write-protected; a pre-copy round take()s the marked frames a
//    chunk at a time so the caller can write-protect exactly those pages again;
//  - the send set: MigrationSender marks what the current round still has to send;
//  - the coverage map: StreamDecoder marks each page received at least once.
// Pure code: the bitmap storage is handed in (one uint64_t per 64 frames).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit {

class PageBitmap {
 public:
  static constexpr size_t words_for(uint64_t frames) { return static_cast<size_t>((frames + 63) / 64); }

  // `bits` must hold words_for(frame_count) words; the log starts empty.
  PageBitmap(std::span<uint64_t> bits, uint64_t frame_count);

  // Marks `gfn`; false (and nothing marked) when gfn is outside the guest.
  bool mark(uint64_t gfn);
  // Clears `gfn`'s bit (post-copy: a page sent, or a stale page discarded); nothing
  // happens outside the guest.
  void unmark(uint64_t gfn);
  // Whether `gfn` is marked; false outside the guest.
  bool test(uint64_t gfn) const;
  // Marks every frame: round 0 of a migration sends all of memory.
  void mark_all();
  // Marks `count` frames from `first` a word at a time (a zero run of a whole guest costs
  // frame_count / 64 steps, not frame_count); false (and nothing marked) unless the
  // range lies inside the guest.
  bool mark_range(uint64_t first, uint64_t count);
  // Calls visit(gfn) for each marked frame in [first, first + count), lowest first, and
  // clears it; unmarked words are skipped whole. The range is cut to the guest.
  template <class Visit>
  uint64_t take_range(uint64_t first, uint64_t count, Visit&& visit);
  // Empties the log.
  void clear();
  // The first marked frame at or after `from`, or frame_count() when there is none:
  // lets a caller walk the log a batch at a time between other work.
  uint64_t find_next(uint64_t from) const;
  uint64_t count() const { return count_; }
  uint64_t frame_count() const { return frame_count_; }

  // Calls visit(gfn) for each marked frame in ascending order, then clears the log.
  // Returns how many frames were visited.
  template <class Visit>
  uint64_t collect(Visit&& visit);
  // Moves up to out.size() marked frames, lowest first, into `out` and clears their
  // bits; the rest stay marked. Returns how many were taken.
  size_t take(std::span<uint64_t> out);

 private:
  std::span<uint64_t> bits_;
  uint64_t frame_count_;
  uint64_t count_ = 0;
};

template <class Visit>
uint64_t PageBitmap::collect(Visit&& visit) {
  uint64_t visited = 0;
  for (size_t w = 0; w < bits_.size(); ++w) {
    uint64_t word = bits_[w];
    bits_[w] = 0;
    while (word != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctzll(word));
      word &= word - 1;
      visit(uint64_t{w} * 64 + bit);
      ++visited;
    }
  }
  count_ = 0;
  return visited;
}

template <class Visit>
uint64_t PageBitmap::take_range(uint64_t first, uint64_t count, Visit&& visit) {
  if (first >= frame_count_) return 0;
  uint64_t end = frame_count_ - first < count ? frame_count_ : first + count;
  uint64_t taken = 0;
  for (uint64_t at = first; at < end;) {
    size_t w = static_cast<size_t>(at / 64);
    uint64_t word_end = (uint64_t{w} + 1) * 64 < end ? (uint64_t{w} + 1) * 64 : end;
    uint64_t mask = ~uint64_t{0} << (at % 64);
    if (word_end % 64 != 0) mask &= (uint64_t{1} << (word_end % 64)) - 1;
    uint64_t word = bits_[w] & mask;
    bits_[w] &= ~mask;
    while (word != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctzll(word));
      word &= word - 1;
      visit(uint64_t{w} * 64 + bit);
      ++taken;
    }
    at = word_end;
  }
  count_ -= taken;
  return taken;
}

}  // namespace godwit
