// hello: the smallest guest. Proves entry, boot info and console output, then exits 0.
#include "guests/lib/console.h"
#include "guests/lib/hypercall.h"

int main() {
  const auto& info = godwit::guest::boot_info();
  godwit::guest::println("hello from guest {} ({} MiB)", info.guest_id, info.memory_bytes >> 20);
  return 0;
}
