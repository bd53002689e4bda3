// The four ways to move a guest (seed 001, Table 1), built from three phases: push
// (pre-copy rounds while the guest runs), stop-and-copy, and pull (the guest runs on the
// destination and fetches absent pages from the source on first access).
//   stop-and-copy  stop-and-copy alone: pause, send all memory and the state;
//   pre-copy       push, then stop-and-copy of what is still dirty (the default);
//   post-copy      stop-and-copy of the state only, then pull (and a background push);
//   hybrid         a few push rounds, then post-copy for what is still dirty.
// See docs/decisions/0021-migration-modes.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace godwit::migration {

enum class MigrationMode : uint8_t { kStopAndCopy, kPrecopy, kPostcopy, kHybrid };

// "stop-and-copy", "pre-copy", "post-copy", "hybrid": the names the shell and the tools use.
const char* to_string(MigrationMode mode);
std::optional<MigrationMode> parse_migration_mode(std::string_view name);

// Pre-copy rounds run while the guest is still on the source.
constexpr bool pushes_first(MigrationMode mode) {
  return mode == MigrationMode::kPrecopy || mode == MigrationMode::kHybrid;
}
// The guest runs on the destination before all of its memory is there.
constexpr bool pulls_after_switch(MigrationMode mode) {
  return mode == MigrationMode::kPostcopy || mode == MigrationMode::kHybrid;
}

}  // namespace godwit::migration
