// Writes one JSON object to a Sink, for the machine-readable "@event " lines.
//   JsonWriter json(sink);
//   json.field("event", "boot").field("mem_mib", 256).begin_array("features")
//       .value("vmx").end_array().end();
// Numbers are integers, or fixed-point decimals through fixed(); strings are escaped.
#pragma once

#include <cstdint>
#include <string_view>
#include <type_traits>

#include "lib/format.h"

namespace godwit {

class JsonWriter {
 public:
  // Writes the opening brace at once: the object is under way from construction.
  explicit JsonWriter(Sink& sink);

  JsonWriter& field(std::string_view key, std::string_view value);
  JsonWriter& field(std::string_view key, const char* value) { return field(key, std::string_view(value)); }
  JsonWriter& field(std::string_view key, bool value);
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) JsonWriter& field(std::string_view key,
                                                                                T value) {
    this->key(key);
    format(sink_, "{}", value);
    return *this;
  }
  // value / 10^decimals written as a decimal number: fixed("mib_s", 12345, 3) -> 12.345.
  JsonWriter& fixed(std::string_view key, int64_t value, unsigned decimals);

  // "key": { ... } and "key": [ ... ]. end_object() and end_array() close the innermost
  // open one, whichever kind; value() adds an element to the open array. Nesting
  // deeper than kMaxDepth is not tracked (never closed): keep within it.
  JsonWriter& begin_object(std::string_view key);
  JsonWriter& end_object();
  JsonWriter& begin_array(std::string_view key);
  JsonWriter& value(std::string_view element);
  JsonWriter& value(int64_t element);
  JsonWriter& end_array();
  // Closes the outermost object (and anything left open).
  void end();

 private:
  static constexpr unsigned kMaxDepth = 8;
  // Writes the separator, then "name": .
  void key(std::string_view name);
  // A comma before every member or element but the first of its object or array.
  void separator();
  // `text` quoted, with quotes, backslashes and control or non-ASCII bytes escaped.
  void string(std::string_view text);
  // Writes `bracket` and remembers its closer for end().
  void open(char bracket);

  Sink& sink_;
  char closers_[kMaxDepth] = {};
  bool first_[kMaxDepth] = {};
  unsigned depth_ = 0;
};

}  // namespace godwit
