// The guest command line: space-separated key=value words, e.g. "wss=4M rate=200".
// Pure and header-only (the unit tests use it too). The values are parsed by the base
// library (lib/parse.h), which checks the whole text: "12x" or "4Q" is an error.
#pragma once

#include <string_view>

namespace godwit::guest {

// The value of the first word "key=value" in `line`; false when there is none.
inline bool find_arg(std::string_view line, std::string_view key, std::string_view& value) {
  while (!line.empty()) {
    size_t start = line.find_first_not_of(' ');
    if (start == std::string_view::npos) return false;
    line.remove_prefix(start);
    size_t end = line.find(' ');
    std::string_view word = line.substr(0, end);
    line.remove_prefix(word.size());
    if (word.size() > key.size() && word.substr(0, key.size()) == key && word[key.size()] == '=') {
      value = word.substr(key.size() + 1);
      return true;
    }
  }
  return false;
}

}  // namespace godwit::guest
