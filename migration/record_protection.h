// Record protection for migration stream version 3 (docs/migration-stream.md, section 5;
// docs/decisions/0013-*.md): after the two
// plain handshake records, every record in each direction is authenticated with
// ChaCha20-Poly1305 (RFC 8439) under a key of its own direction, and encrypted too
// unless the session runs integrity-only.
//
//   keys    HKDF-SHA-256(salt = destination nonce || source nonce, ikm = migrate_key,
//           info = label || direction || mode || handshake), one key and IV per direction
//   nonce   IV xor (flags u8 | 3 zero bytes | sequence u64 little-endian); flags bit 0
//           marks the sender's last record
//   AD      the record header; the ciphertext is the body; the 16-byte tag follows it
//
// So a changed bit, a replayed, reordered or dropped record, a record of another
// session or of the other direction, and a stream cut before its last record all fail.
// Pure: BearSSL and lib/ only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/expected.h"
#include "migration/chacha20_poly1305.h"

namespace godwit::migration {

inline constexpr size_t kSessionNonceSize = 32;
inline constexpr size_t kRecordTagSize = kPoly1305TagSize;

enum class Protection : uint8_t {
  kEncrypted = 1,      // ChaCha20-Poly1305: the body is secret and authenticated
  kIntegrityOnly = 2,  // the same tag over the body as sent: authenticated, not secret
};

enum class Direction : uint8_t { kSourceToDestination = 1, kDestinationToSource = 2 };

// Whether a record is the sender's last in its direction (COMMIT from the source;
// COMMITTED or NACK from the destination: sealed_records.h). Bound into the nonce, so
// it cannot be forged.
enum class RecordEnd : uint8_t { kMore = 0, kLast = 1 };

struct DirectionKeys {
  ChachaKey key;
  ChachaNonce iv;
};

struct SessionKeys {
  DirectionKeys source_to_destination;
  DirectionKeys destination_to_source;
};

// Derives both directions' keys for one connection. `handshake` is every byte the two
// sides exchanged in clear before the first protected record (the CHALLENGE and HELLO
// bodies), so that tampering with any of it yields other keys. Fails (kInvalidArgument)
// for an empty key, and when the two nonces are equal: a peer that echoes our nonce
// back contributes no freshness of its own.
Expected<SessionKeys> derive_session_keys(std::span<const uint8_t> migrate_key,
                                          const uint8_t (&destination_nonce)[kSessionNonceSize],
                                          const uint8_t (&source_nonce)[kSessionNonceSize], Protection mode,
                                          std::span<const uint8_t> handshake);

// The nonce of record `sequence` (RFC 8439 section 2.8's 96-bit nonce).
ChachaNonce record_nonce(const ChachaNonce& iv, uint64_t sequence, RecordEnd end);

// The sending half of one direction: numbers records from 0 and protects them.
class RecordSealer {
 public:
  RecordSealer(const DirectionKeys& keys, Protection mode) : keys_(keys), mode_(mode) {}
  RecordSealer() = default;  // no keys yet: assign a keyed one before the first seal

  // Protects the next record: encrypts `body` in place (kEncrypted) or leaves it
  // (kIntegrityOnly) and returns the tag over `header` and the body as sent. Fails with
  // kState after the last record was sealed and kRange once 2^64 - 1 records were.
  Expected<Poly1305Tag> seal(std::span<const uint8_t> header, std::span<uint8_t> body,
                             RecordEnd end = RecordEnd::kMore);

  uint64_t sequence() const { return sequence_; }  // the next record's number
  bool closed() const { return closed_; }

 private:
  DirectionKeys keys_ = {};
  Protection mode_ = Protection::kIntegrityOnly;
  uint64_t sequence_ = 0;
  bool closed_ = false;
};

enum class RecordFault : uint8_t {
  kNone,
  kForged,             // the tag does not match this direction's next record
  kAfterLast,          // a record after the peer's authenticated last record
  kSequenceExhausted,  // 2^64 - 1 records were opened already
  kTruncated,          // the stream ended before the peer's authenticated last record
  kFailedBefore,       // an earlier record failed; the direction stays failed
};

const char* describe(RecordFault fault);

// The receiving half of one direction. The first failure is final: a stream with one
// bad record is never resynchronised, so later records all fail too.
class RecordOpener {
 public:
  RecordOpener(const DirectionKeys& keys, Protection mode) : keys_(keys), mode_(mode) {}
  RecordOpener() = default;  // no keys yet: assign a keyed one before the first open

  // Checks `tag` against the next record in sequence. On success decrypts `body` in
  // place (kEncrypted) and returns kNone; otherwise leaves `body` as it arrived and
  // returns the fault. `end` is what the header claims (its type is END or the final
  // verdict): it selects the nonce, so a record sealed as "more" presented as the last
  // one, or the other way round, is a forgery.
  RecordFault open(std::span<const uint8_t> header, std::span<uint8_t> body, const Poly1305Tag& tag,
                   RecordEnd end = RecordEnd::kMore);

  // The connection closed: kNone only if the peer's last record was opened, else
  // kTruncated (or the fault that ended it).
  RecordFault finish();

  bool at_end() const { return at_end_; }
  RecordFault fault() const { return fault_; }
  uint64_t sequence() const { return sequence_; }  // the next record's number

 private:
  RecordFault fail(RecordFault fault);

  DirectionKeys keys_ = {};
  Protection mode_ = Protection::kIntegrityOnly;
  uint64_t sequence_ = 0;
  bool at_end_ = false;
  RecordFault fault_ = RecordFault::kNone;
};

}  // namespace godwit::migration
