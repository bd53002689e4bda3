#include "kernel/migrate/nonce.h"

#include <cstring>

#include "arch/x86/cpu/intrinsics.h"
#include "migration/word_hash.h"

namespace godwit::migrate {

namespace {

constexpr uint32_t kLeaf1EcxRdrand = 1u << 30;  // SDM Vol. 2A, CPUID leaf 1

bool rdrand(uint64_t& value) {
  unsigned char ok = 0;
  asm volatile("rdrand %0; setc %1" : "=r"(value), "=qm"(ok));
  return ok != 0;
}

uint64_t jitter_word(uint64_t counter) {
  migration::WordHash64 hash(counter);
  for (int i = 0; i < 64; ++i) {
    hash.add_word(x86::rdtsc());
    x86::pause();
  }
  return hash.finish();
}

}  // namespace

void fill_nonce(std::span<uint8_t> out) {
  bool have_rdrand = (x86::cpuid(1).ecx & kLeaf1EcxRdrand) != 0;
  for (size_t at = 0; at < out.size(); at += 8) {
    uint64_t word = 0;
    bool got = false;
    for (int attempt = 0; have_rdrand && attempt < 10 && !got; ++attempt) got = rdrand(word);
    if (!got) word = jitter_word(at ^ x86::rdtsc());
    size_t n = out.size() - at < 8 ? out.size() - at : 8;
    std::memcpy(out.data() + at, &word, n);
  }
}

}  // namespace godwit::migrate
