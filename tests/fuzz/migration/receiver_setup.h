// What the migration fuzz targets and their seed generator agree on: the key both
// "nodes" hold, the destination's nonce, and the largest guest the fuzzed destination
// accepts. The seeds are real streams signed with these, so they reach every record.
#pragma once

#include <cstddef>
#include <cstdint>

#include "migration/migration_receiver.h"

namespace godwit::fuzz {

inline constexpr uint64_t kFuzzMaxGuestPages = 1024;  // 4 MiB: every digest stays cheap
inline constexpr uint8_t kFuzzKey[] = {'f', 'u', 'z', 'z', '-', 'k', 'e', 'y'};

// The destination remembers one migration (the all-zero session), so a recovery HELLO to
// the fuzzed receiver reaches the answering path (section 12.5) as well as its refusals.
inline const migration::RecentOutcomes& fuzz_outcome_book() {
  static const migration::RecentOutcomes book = [] {
    migration::RecentOutcomes remembered;
    remembered.remember(migration::SessionId{}, migration::RecoveryVerdict::kRunsHere);
    return remembered;
  }();
  return book;
}

inline migration::ReceiverConfig fuzz_receiver_config() {
  migration::ReceiverConfig config;
  config.key = kFuzzKey;
  config.outcomes = &fuzz_outcome_book();
  for (size_t i = 0; i < migration::kNonceSize; ++i) config.nonce[i] = static_cast<uint8_t>(i * 7 + 1);
  return config;
}

}  // namespace godwit::fuzz
