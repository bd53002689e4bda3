// The guests' own tiny type-safe formatter (they do not link the hypervisor's):
//   format_to(line, "counter {} t={}", n, ms);   "{}" decimal or text, "{:x}" hex,
//   "{:#x}" hex with 0x; "{{" is a brace. A placeholder without an argument, or with an
// unknown spec, prints "{?}". Header-only and libc-free, so the unit tests use it too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

namespace godwit::guest {

// One console line under construction; text past the capacity is dropped, and the
// line then ends in "..." so a reader sees the cut.
class Line {
 public:
  static constexpr size_t kCapacity = 240;
  void put(char c) {
    if (size_ < kCapacity) {
      text_[size_++] = c;
    } else {
      truncated_ = true;
    }
  }
  void put(std::string_view s) {
    for (char c : s) put(c);
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

// A formatting argument: only the types below convert, so a wrong type is a compile error.
class Arg {
 public:
  enum class Kind : uint8_t { kNone, kUnsigned, kSigned, kText };
  constexpr Arg() = default;
  template <class T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char>,
                             int> = 0>
  constexpr Arg(T v) {  // NOLINT(google-explicit-constructor): the point is implicit use
    if constexpr (std::is_signed_v<T>) {
      kind_ = Kind::kSigned, signed_ = v;
    } else {
      kind_ = Kind::kUnsigned, unsigned_ = v;
    }
  }
  constexpr Arg(bool v) : kind_(Kind::kText), text_(v ? "true" : "false") {}
  constexpr Arg(std::string_view v) : kind_(Kind::kText), text_(v) {}
  constexpr Arg(const char* v) : kind_(Kind::kText), text_(v != nullptr ? v : "(null)") {}

  void write(Line& out, bool hex, bool prefix) const {
    switch (kind_) {
      case Kind::kText: out.put(text_); return;
      case Kind::kSigned:
        if (signed_ < 0 && !hex) {
          out.put('-');
          write_unsigned(out, 0 - static_cast<uint64_t>(signed_), false, false);
          return;
        }
        write_unsigned(out, static_cast<uint64_t>(signed_), hex, prefix);
        return;
      case Kind::kUnsigned: write_unsigned(out, unsigned_, hex, prefix); return;
      case Kind::kNone: out.put("{?}"); return;
    }
  }
  bool present() const { return kind_ != Kind::kNone; }

 private:
  static void write_unsigned(Line& out, uint64_t v, bool hex, bool prefix) {
    char digits[20];
    size_t n = 0;
    uint64_t base = hex ? 16 : 10;
    do {
      digits[n++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v != 0);
    if (prefix) out.put("0x");
    while (n > 0) out.put(digits[--n]);
  }

  Kind kind_ = Kind::kNone;
  int64_t signed_ = 0;
  uint64_t unsigned_ = 0;
  std::string_view text_;
};

// Formats `fmt` with `args` (count of them) into `out`.
inline void vformat_to(Line& out, std::string_view fmt, const Arg* args, size_t count) {
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    char c = fmt[i];
    if ((c == '{' || c == '}') && i + 1 < fmt.size() && fmt[i + 1] == c) {
      out.put(c);
      ++i;
      continue;
    }
    size_t close = c == '{' ? fmt.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      out.put(c);
      continue;
    }
    std::string_view spec = fmt.substr(i + 1, close - i - 1);
    bool known = spec.empty() || spec == ":x" || spec == ":#x";
    if (known && next < count) {
      args[next].write(out, !spec.empty(), spec == ":#x");
    } else {
      out.put("{?}");
    }
    ++next;
    i = close;
  }
}

template <class... Args>
void format_to(Line& out, std::string_view fmt, const Args&... args) {
  const Arg list[] = {Arg(args)..., Arg()};
  vformat_to(out, fmt, list, sizeof...(Args));
}

}  // namespace godwit::guest
