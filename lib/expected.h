// Expected<T>: a value or an Error, never both. Status is Expected<void>.
//   Expected<Frame> f = allocator.allocate();
//   if (!f) return f.failure();          // propagate
//   use(*f);
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "lib/error.h"

namespace godwit {

// Wraps an Error so that `return fail(Error::kRange);` converts to any Expected<T>.
struct Failure {
  Error error;
};

[[nodiscard]] constexpr Failure fail(Error error) { return Failure{error}; }

template <class T>
class [[nodiscard]] Expected {
 public:
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): ok_ says which member is live
  Expected(const T& value) : value_(value), ok_(true) {}
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  Expected(T&& value) : value_(std::move(value)), ok_(true) {}
  Expected(Failure failure) : error_(failure.error), ok_(false) {}

  Expected(const Expected& other) : ok_(other.ok_) {
    if (ok_)
      new (&value_) T(other.value_);
    else
      error_ = other.error_;
  }
  Expected& operator=(const Expected& other) {
    if (this != &other) {
      this->~Expected();
      new (this) Expected(other);
    }
    return *this;
  }
  ~Expected() {
    if (ok_) value_.~T();
  }

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  Error error() const { return error_; }
  Failure failure() const { return Failure{error_}; }

  T& operator*() { return value_; }
  const T& operator*() const { return value_; }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T value_or(T fallback) const { return ok_ ? value_ : fallback; }

 private:
  union {  // NOLINT(cppcoreguidelines-pro-type-member-init): ok_ says which is live
    T value_;
    Error error_;
  };
  bool ok_;
};

template <>
class [[nodiscard]] Expected<void> {
 public:
  Expected() = default;
  Expected(Failure failure) : error_(failure.error), ok_(false) {}

  explicit operator bool() const { return ok_; }
  bool ok() const { return ok_; }
  Error error() const { return error_; }
  Failure failure() const { return Failure{error_}; }

 private:
  Error error_ = Error::kState;
  bool ok_ = true;
};

using Status = Expected<void>;

[[nodiscard]] inline Status ok() { return Status(); }

}  // namespace godwit
