// The MACs of section 5 of docs/migration-stream.md: HMAC-SHA-256 with the shared
// migrate_key over the destination's nonce and a record body whose mac field is zero.
#pragma once

#include <span>

#include "migration/hmac_sha256.h"
#include "migration/stream_format.h"

namespace godwit::migration {

Sha256Digest header_mac(std::span<const uint8_t> key, const uint8_t (&nonce)[kNonceSize],
                        HeaderRecord header);
Sha256Digest ack_mac(std::span<const uint8_t> key, const uint8_t (&nonce)[kNonceSize], AckRecord ack);

}  // namespace godwit::migration
