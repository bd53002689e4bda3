#include "guests/lib/time.h"

namespace godwit::guest {

void sleep_until(uint64_t deadline_ns) {
  while (time_ns() < deadline_ns) {
    // A refused deadline would otherwise make this a busy loop of refusals.
    if (block_until(deadline_ns) < 0) yield();
  }
}

}  // namespace godwit::guest
