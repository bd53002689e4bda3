#include "migration/stream_auth.h"

#include <cstring>

namespace godwit::migration {
namespace {

template <class Record>
Sha256Digest mac_of(std::span<const uint8_t> key, const uint8_t (&nonce)[kNonceSize], Record record) {
  std::memset(record.mac, 0, sizeof(record.mac));
  HmacSha256 mac(key);
  mac.update(nonce);
  mac.update(std::span(reinterpret_cast<const uint8_t*>(&record), sizeof(record)));
  return mac.finish();
}

}  // namespace

Sha256Digest header_mac(std::span<const uint8_t> key, const uint8_t (&nonce)[kNonceSize],
                        HeaderRecord header) {
  return mac_of(key, nonce, header);
}

Sha256Digest ack_mac(std::span<const uint8_t> key, const uint8_t (&nonce)[kNonceSize], AckRecord ack) {
  return mac_of(key, nonce, ack);
}

}  // namespace godwit::migration
