// Type-safe text formatting without libc: "{}" placeholders, as in std::format.
//   format(sink, "guest {} took {} exits ({:#x})", id, exits, rip);
// Spec: {[:[<|>][0][width][x|X|b|d|s|c]]}; '#' before the type prefixes 0x / 0b.
// Unknown or surplus placeholders print "{?}" rather than reading past the arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "lib/error.h"

namespace godwit {

// Where formatted text goes: the serial console, a fixed buffer, a test string.
class Sink {
 public:
  virtual void write(std::string_view text) = 0;

 protected:
  ~Sink() = default;
};

// A sink over a caller's buffer. Text past the capacity is dropped and remembered.
class BufferSink final : public Sink {
 public:
  BufferSink(char* buffer, size_t capacity) : buffer_(buffer), capacity_(capacity) {}
  void write(std::string_view text) override;
  std::string_view view() const { return {buffer_, size_}; }
  bool overflowed() const { return overflowed_; }
  void clear() {
    size_ = 0;
    overflowed_ = false;
  }

 private:
  char* buffer_;
  size_t capacity_;
  size_t size_ = 0;
  bool overflowed_ = false;
};

// A BufferSink that owns its storage: FixedString<80> line; format(line, ...);
template <size_t N>
class FixedString {
 public:
  FixedString() : sink_(storage_, N) {}  // NOLINT(cppcoreguidelines-pro-type-member-init)
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  explicit FixedString(std::string_view initial) : sink_(storage_, N) { sink_.write(initial); }
  FixedString(const FixedString&) = delete;
  FixedString& operator=(const FixedString&) = delete;
  Sink& sink() { return sink_; }
  std::string_view view() const { return sink_.view(); }
  void clear() { sink_.clear(); }

 private:
  char storage_[N];  // NOLINT(cppcoreguidelines-pro-type-member-init): written before read
  BufferSink sink_;
};

// One formatting argument, type-erased.
struct FormatArg {
  enum class Kind : uint8_t { kSigned, kUnsigned, kBool, kChar, kString, kPointer };
  Kind kind;
  union {
    int64_t i;
    uint64_t u;
    bool b;
    char c;
    std::string_view s;
    const void* p;
  };
};

template <class T>
FormatArg make_format_arg(const T& value) {
  FormatArg arg{};
  if constexpr (std::is_same_v<T, bool>) {
    arg.kind = FormatArg::Kind::kBool;
    arg.b = value;
  } else if constexpr (std::is_same_v<T, char>) {
    arg.kind = FormatArg::Kind::kChar;
    arg.c = value;
  } else if constexpr (std::is_same_v<T, Error>) {
    arg.kind = FormatArg::Kind::kString;
    arg.s = to_string(value);
  } else if constexpr (std::is_enum_v<T>) {
    arg.kind = FormatArg::Kind::kUnsigned;
    arg.u = static_cast<uint64_t>(value);
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    arg.kind = FormatArg::Kind::kSigned;
    arg.i = value;
  } else if constexpr (std::is_integral_v<T>) {
    arg.kind = FormatArg::Kind::kUnsigned;
    arg.u = value;
  } else if constexpr (std::is_same_v<T, const char*> || std::is_same_v<T, char*>) {
    arg.kind = FormatArg::Kind::kString;
    arg.s = value != nullptr ? std::string_view(value) : std::string_view("(null)");
  } else if constexpr (std::is_convertible_v<T, std::string_view>) {
    arg.kind = FormatArg::Kind::kString;
    arg.s = std::string_view(value);
  } else if constexpr (std::is_pointer_v<T>) {
    arg.kind = FormatArg::Kind::kPointer;
    arg.p = value;
  } else {
    static_assert(std::is_pointer_v<T>, "type has no text form");
  }
  return arg;
}

void vformat(Sink& sink, std::string_view fmt, const FormatArg* args, size_t count);

template <class... Args>
void format(Sink& sink, std::string_view fmt, const Args&... args) {
  if constexpr (sizeof...(Args) == 0) {
    vformat(sink, fmt, nullptr, 0);
  } else {
    const FormatArg list[] = {make_format_arg(args)...};
    vformat(sink, fmt, list, sizeof...(Args));
  }
}

template <size_t N, class... Args>
void format(FixedString<N>& out, std::string_view fmt, const Args&... args) {
  format(out.sink(), fmt, args...);
}

}  // namespace godwit
