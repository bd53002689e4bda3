// What protecting migration records costs, per mode, over 4 KiB page records (issue 15):
// the stream v1 WordHash64 record checksum, stream v2's integrity-only Poly1305 tag and
// ChaCha20-Poly1305 encryption (migration/record_protection.h), and HMAC-SHA-256 for
// comparison. Pure: `cryptobench` times it inside the hypervisor, tests/bench/
// crypto_bench.cpp on the host, both with the same code and the same compiler flags.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::shell::bench {

enum class RecordMode : uint8_t { kChecksum, kIntegrityOnly, kEncrypted, kHmacSha256 };

inline constexpr RecordMode kRecordModes[] = {RecordMode::kChecksum, RecordMode::kIntegrityOnly,
                                              RecordMode::kEncrypted, RecordMode::kHmacSha256};
inline constexpr size_t kBenchPageSize = 4096;

// "checksum", "integrity", "encrypt", "hmac-sha256".
const char* name(RecordMode mode);

// Protects `pages` page records one after another as a v2 sender would (a record header
// as associated data, `page` as the body, a sequence number per record; kEncrypted
// encrypts `page` in place), and returns a value folded from every result, so the work
// cannot be optimised away. `page` must hold kBenchPageSize bytes.
uint64_t protect_pages(RecordMode mode, std::span<uint8_t> page, uint64_t pages);

// Thousandths of MiB/s for `bytes` in `ns`, without overflow below 16 GiB.
uint64_t milli_mib_per_s(uint64_t bytes, uint64_t ns);

}  // namespace godwit::shell::bench
