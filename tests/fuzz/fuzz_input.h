// Helpers shared by the fuzz targets: reading typed values off the front of libFuzzer's
// input, and stopping the run loudly when a property of the code under test breaks
// (libFuzzer saves the input that did it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

namespace godwit::fuzz {

// Takes values off the front of the input; past its end every value reads as zero, so a
// harness never has to check the length before deciding what to do next.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : bytes_(data, size) {}

  template <class T>
  T take() {
    T value{};
    size_t n = sizeof(T) < bytes_.size() ? sizeof(T) : bytes_.size();
    std::memcpy(&value, bytes_.data(), n);
    bytes_ = bytes_.subspan(n);
    return value;
  }
  std::span<const uint8_t> take_bytes(size_t count) {
    if (count > bytes_.size()) count = bytes_.size();
    std::span<const uint8_t> out = bytes_.first(count);
    bytes_ = bytes_.subspan(count);
    return out;
  }
  std::span<const uint8_t> rest() const { return bytes_; }
  bool empty() const { return bytes_.empty(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::span<const uint8_t> bytes_;
};

// A property of the code under test does not hold: report it and abort, so libFuzzer
// keeps the input as a crash.
[[noreturn]] inline void violated(const char* property, const char* file, int line) {
  std::fprintf(stderr, "fuzz property violated at %s:%d: %s\n", file, line, property);
  std::abort();
}

}  // namespace godwit::fuzz

#define FUZZ_REQUIRE(condition) \
  ((condition) ? void(0) : ::godwit::fuzz::violated(#condition, __FILE__, __LINE__))
