// The "key=value flag ..." command lines GRUB hands over: the hypervisor's own
// (e.g. "ip=10.0.0.1/24 node=a") and each guest module's (e.g. "guest=counter mem=16M").
// Parsing checks everything once; lookups afterwards cannot fail.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "lib/expected.h"

namespace godwit {

class CommandLine {
 public:
  static constexpr size_t kMaxEntries = 24;
  static constexpr size_t kMaxLength = 1024;

  // Rejects: text over kMaxLength, more than kMaxEntries words, empty keys ("=x"),
  // keys with characters other than [a-z0-9_-], a key given twice, control characters.
  static Expected<CommandLine> parse(std::string_view text);

  // The value of key=value, or an empty view for a bare flag; nullopt when absent.
  std::optional<std::string_view> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  size_t size() const { return count_; }
  std::string_view key_at(size_t i) const { return entries_[i].key; }

 private:
  struct Entry {
    std::string_view key;
    std::string_view value;
  };
  Entry entries_[kMaxEntries];
  size_t count_ = 0;
};

}  // namespace godwit
