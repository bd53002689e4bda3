#include "migration/record_protection.h"

#include <bearssl_hash.h>

#include <cstring>

#include "migration/hkdf_sha256.h"

namespace godwit::migration {
namespace {

// HKDF info: this label, the direction byte, the mode byte, then SHA-256 of the handshake
// (a fixed-size stand-in for bytes of any length).
constexpr char kLabel[] = "godwit migration stream v3 record keys";
constexpr size_t kLabelSize = sizeof(kLabel) - 1;
constexpr size_t kInfoSize = kLabelSize + 2 + br_sha256_SIZE;

Expected<DirectionKeys> derive_direction(const HkdfSha256& hkdf, Direction direction, Protection mode,
                                         const uint8_t (&handshake_hash)[br_sha256_SIZE]) {
  uint8_t info[kInfoSize];
  std::memcpy(info, kLabel, kLabelSize);
  info[kLabelSize] = static_cast<uint8_t>(direction);
  info[kLabelSize + 1] = static_cast<uint8_t>(mode);
  std::memcpy(info + kLabelSize + 2, handshake_hash, br_sha256_SIZE);
  uint8_t okm[kChachaKeySize + kChachaNonceSize];
  if (!hkdf.expand(info, okm)) return fail(Error::kInvalidArgument);
  DirectionKeys keys;
  std::memcpy(keys.key.bytes, okm, kChachaKeySize);
  std::memcpy(keys.iv.bytes, okm + kChachaKeySize, kChachaNonceSize);
  return keys;
}

}  // namespace

Expected<SessionKeys> derive_session_keys(std::span<const uint8_t> migrate_key,
                                          const uint8_t (&destination_nonce)[kSessionNonceSize],
                                          const uint8_t (&source_nonce)[kSessionNonceSize], Protection mode,
                                          std::span<const uint8_t> handshake) {
  if (migrate_key.empty()) return fail(Error::kInvalidArgument);
  if (std::memcmp(destination_nonce, source_nonce, kSessionNonceSize) == 0)
    return fail(Error::kInvalidArgument);
  uint8_t salt[2 * kSessionNonceSize];
  std::memcpy(salt, destination_nonce, kSessionNonceSize);
  std::memcpy(salt + kSessionNonceSize, source_nonce, kSessionNonceSize);
  uint8_t handshake_hash[br_sha256_SIZE];
  br_sha256_context sha;
  br_sha256_init(&sha);
  if (!handshake.empty()) br_sha256_update(&sha, handshake.data(), handshake.size());
  br_sha256_out(&sha, handshake_hash);
  HkdfSha256 hkdf(salt, migrate_key);
  auto forward = derive_direction(hkdf, Direction::kSourceToDestination, mode, handshake_hash);
  auto backward = derive_direction(hkdf, Direction::kDestinationToSource, mode, handshake_hash);
  if (!forward) return forward.failure();
  if (!backward) return backward.failure();
  return SessionKeys{*forward, *backward};
}

ChachaNonce record_nonce(const ChachaNonce& iv, uint64_t sequence, RecordEnd end) {
  ChachaNonce nonce = iv;
  nonce.bytes[0] = static_cast<uint8_t>(nonce.bytes[0] ^ static_cast<uint8_t>(end));
  for (int i = 0; i < 8; ++i)
    nonce.bytes[4 + i] = static_cast<uint8_t>(nonce.bytes[4 + i] ^ static_cast<uint8_t>(sequence >> (8 * i)));
  return nonce;
}

// The last sequence number is never used, so `sequence_` can always name the next one.
constexpr uint64_t kSequenceLimit = ~uint64_t{0};

Expected<Poly1305Tag> RecordSealer::seal(std::span<const uint8_t> header, std::span<uint8_t> body,
                                         RecordEnd end) {
  if (closed_) return fail(Error::kState);
  if (sequence_ == kSequenceLimit) return fail(Error::kRange);
  ChachaNonce nonce = record_nonce(keys_.iv, sequence_, end);
  ++sequence_;
  closed_ = end == RecordEnd::kLast;
  if (mode_ == Protection::kEncrypted) return aead_seal(keys_.key, nonce, header, body);
  return aead_tag(keys_.key, nonce, header, body);
}

RecordFault RecordOpener::fail(RecordFault fault) {
  fault_ = fault;
  return fault;
}

RecordFault RecordOpener::open(std::span<const uint8_t> header, std::span<uint8_t> body,
                               const Poly1305Tag& tag, RecordEnd end) {
  if (fault_ != RecordFault::kNone) return RecordFault::kFailedBefore;
  if (at_end_) return fail(RecordFault::kAfterLast);
  if (sequence_ == kSequenceLimit) return fail(RecordFault::kSequenceExhausted);
  ChachaNonce nonce = record_nonce(keys_.iv, sequence_, end);
  bool authentic = mode_ == Protection::kEncrypted ? aead_open(keys_.key, nonce, header, body, tag)
                                                   : tag_equal(aead_tag(keys_.key, nonce, header, body), tag);
  if (!authentic) return fail(RecordFault::kForged);
  ++sequence_;
  at_end_ = end == RecordEnd::kLast;
  return RecordFault::kNone;
}

RecordFault RecordOpener::finish() {
  if (fault_ != RecordFault::kNone) return fault_;
  if (!at_end_) return fail(RecordFault::kTruncated);
  return RecordFault::kNone;
}

const char* describe(RecordFault fault) {
  switch (fault) {
    case RecordFault::kNone: return "no fault";
    case RecordFault::kForged:
      return "record authentication failed (altered, replayed, reordered, or from another session or "
             "direction)";
    case RecordFault::kAfterLast: return "record after the peer's last record";
    case RecordFault::kSequenceExhausted: return "record sequence number exhausted";
    case RecordFault::kTruncated: return "stream ended before the peer's authenticated last record";
    case RecordFault::kFailedBefore: return "an earlier record failed; the stream stays failed";
  }
  return "unknown record fault";
}

}  // namespace godwit::migration
