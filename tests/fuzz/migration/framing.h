// Turns fuzz input into migration records with valid framing. Random bytes die at the
// record checksum, so the migration targets can read their input as (type u32,
// length u16, body) triples instead and encode each with a correct checksum; a hook
// may rewrite a body first (e.g. sign a HEADER or an ACK with the harness's key, as a
// genuine peer would), which lets mutations reach the decoders, the order checks and
// the state machines behind the MACs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "migration/stream_encoder.h"

namespace godwit::fuzz {

template <class Rewrite>
std::vector<uint8_t> framed_records(std::span<const uint8_t> input, Rewrite&& rewrite) {
  std::vector<uint8_t> stream;
  while (input.size() >= 6) {
    uint32_t type =
        uint32_t{input[0]} | uint32_t{input[1]} << 8 | uint32_t{input[2]} << 16 | uint32_t{input[3]} << 24;
    size_t length = size_t{input[4]} | size_t{input[5]} << 8;
    input = input.subspan(6);
    if (length > input.size()) length = input.size();
    std::vector<uint8_t> body(input.begin(), input.begin() + static_cast<long>(length));
    input = input.subspan(length);
    rewrite(type, body);
    std::vector<uint8_t> record(migration::record_size(body.size()));
    size_t n = migration::encode_record(record, static_cast<migration::RecordType>(type),
                                        std::span<const uint8_t>(body));
    stream.insert(stream.end(), record.begin(), record.begin() + static_cast<long>(n));
  }
  return stream;
}

}  // namespace godwit::fuzz
