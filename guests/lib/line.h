// One console line under construction, written by the base library's formatter
// (lib/format.h, linked into every guest): format(line, "counter {} t={}", n, ms).
// Header-only, so the unit tests use it too.
#pragma once

#include <cstddef>
#include <string_view>

#include "lib/format.h"

namespace godwit::guest {

// Text past the capacity is dropped, and the line then ends in "..." so a reader sees
// the cut.
class Line final : public Sink {
 public:
  static constexpr size_t kCapacity = 240;

  void write(std::string_view text) override {
    for (char c : text) {
      if (size_ == kCapacity) {
        truncated_ = true;
        return;
      }
      text_[size_++] = c;
    }
  }
  std::string_view view() {
    if (truncated_) {
      for (size_t i = kCapacity - 3; i < kCapacity; ++i) text_[i] = '.';
    }
    return {text_, size_};
  }
  // view() and a newline, which always fits: the slot after kCapacity is kept for it.
  std::string_view terminated() {
    std::string_view text = view();
    text_[text.size()] = '\n';
    return {text_, text.size() + 1};
  }
  void clear() { size_ = 0, truncated_ = false; }

 private:
  char text_[kCapacity + 1] = {};
  size_t size_ = 0;
  bool truncated_ = false;
};

}  // namespace godwit::guest
