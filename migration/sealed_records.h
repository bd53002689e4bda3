// How stream version 3 puts RecordSealer/RecordOpener (record_protection.h) around the
// record framing (docs/migration-stream.md, sections 2 and 5): a sealed record is the
// 16-byte header with a zero checksum field, the body (ChaCha20 ciphertext in the
// encrypted mode, as it is in the integrity-only mode), its zero padding, then the
// 16-byte Poly1305 tag over header and body. Padding is neither encrypted nor tagged; it
// must be zero, which the reader checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "migration/record_protection.h"
#include "migration/stream_encoder.h"

namespace godwit::migration {

// Wire bytes of a sealed record with a body of `body_length` bytes.
constexpr size_t sealed_record_size(size_t body_length) { return record_size(body_length) + kRecordTagSize; }

// Whether a record of this type is its sender's last in its direction: COMMIT from the
// source; COMMITTED or NACK from the destination. The flag is bound into the record's
// nonce, so a cut stream cannot pass for a finished one.
RecordEnd record_end_of(uint32_t type);

// Seals the record of `record_bytes` bytes (from encode_record or PageBatchEncoder with
// Framing::kSealed) at the start of `out` in place and appends its tag. Returns the
// sealed record's size, or 0 when `out` has no room for the tag or the sealer refuses
// (after its last record, or out of sequence numbers).
size_t seal_record(std::span<uint8_t> out, size_t record_bytes, RecordSealer& sealer);

// encode_record + seal_record.
template <class Body>
size_t encode_sealed(std::span<uint8_t> out, RecordType type, const Body& body, RecordSealer& sealer) {
  if (out.size() < sealed_record_size(sizeof(Body))) return 0;
  size_t size = encode_record(out, type, body, Framing::kSealed);
  return size == 0 ? 0 : seal_record(out, size, sealer);
}

}  // namespace godwit::migration
