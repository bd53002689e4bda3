#include "kernel/migrate/tag_speed.h"

#include <cstring>

#include "kernel/console/log.h"
#include "kernel/time/clock.h"
#include "migration/chacha20_poly1305.h"

namespace godwit::migrate {

namespace {

constexpr size_t kTrialBytes = 4096;
constexpr int kTagsPerTrial = 4;  // 16 KiB a trial: about 5 ms under Bochs
constexpr int kTrials = 3;        // the fastest of three: a host tick or an emulator hiccup in one

// The nanoseconds one trial of `impl` took.
uint64_t time_trial(migration::Poly1305Impl impl, std::span<uint8_t> data) {
  migration::select_poly1305(impl);
  migration::ChachaKey key{};
  migration::ChachaNonce nonce{};
  uint64_t start = clock::now_ns();
  for (int i = 0; i < kTagsPerTrial; ++i) {
    nonce.bytes[0] = static_cast<uint8_t>(i);
    migration::Poly1305Tag tag = migration::aead_tag(key, nonce, {}, data);
    data[0] ^= tag.bytes[0];  // each tag feeds the next input: nothing to hoist
  }
  return clock::now_ns() - start;
}

}  // namespace

void choose_poly1305(std::span<uint8_t> scratch) {
  if (scratch.size() < kTrialBytes) return;  // keep the default
  std::span<uint8_t> data = scratch.first(kTrialBytes);
  std::memset(data.data(), 0x5a, data.size());
  uint64_t best[2] = {~0ull, ~0ull};
  for (int trial = 0; trial < kTrials; ++trial) {
    for (size_t i = 0; i < 2; ++i) {
      uint64_t ns = time_trial(migration::kPoly1305Impls[i], data);
      if (ns < best[i]) best[i] = ns;
    }
  }
  size_t faster = best[1] < best[0] ? 1 : 0;
  migration::select_poly1305(migration::kPoly1305Impls[faster]);
  constexpr uint64_t kBytes = kTrialBytes * kTagsPerTrial;
  log::info("record tags: Poly1305 {} ({} ns per KiB; {} took {})",
            migration::name(migration::kPoly1305Impls[faster]), best[faster] * 1024 / kBytes,
            migration::name(migration::kPoly1305Impls[1 - faster]), best[1 - faster] * 1024 / kBytes);
}

}  // namespace godwit::migrate
