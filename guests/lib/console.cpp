#include "guests/lib/console.h"

#include "guests/lib/hypercall.h"

namespace godwit::guest {

bool write(std::string_view text) {
  while (!text.empty()) {
    size_t piece = text.size() < abi::kMaxConsoleWrite ? text.size() : abi::kMaxConsoleWrite;
    if (console_write(text.data(), piece) < 0) return false;
    text.remove_prefix(piece);
  }
  return true;
}

}  // namespace godwit::guest
