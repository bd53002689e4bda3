// Turns fuzz input into migration records with valid framing. Random bytes die at the
// record checksum or, in stream version 3, at the record's tag, so the migration targets
// can read their input as (type u32, length u16, body) triples instead and frame each
// correctly; a hook may rewrite a body first (e.g. give a VERIFIED the digest a genuine
// peer would send), which lets mutations reach the decoders, the order checks and the
// state machines behind the authentication.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "migration/sealed_records.h"
#include "migration/stream_encoder.h"

namespace godwit::fuzz {

namespace detail {

inline bool take_triple(std::span<const uint8_t>& input, uint32_t& type, std::vector<uint8_t>& body) {
  if (input.size() < 6) return false;
  type = uint32_t{input[0]} | uint32_t{input[1]} << 8 | uint32_t{input[2]} << 16 | uint32_t{input[3]} << 24;
  size_t length = size_t{input[4]} | size_t{input[5]} << 8;
  input = input.subspan(6);
  if (length > input.size()) length = input.size();
  body.assign(input.begin(), input.begin() + static_cast<long>(length));
  input = input.subspan(length);
  return true;
}

inline void append_record(std::vector<uint8_t>& stream, uint32_t type, const std::vector<uint8_t>& body,
                          migration::RecordSealer* sealer, bool sealed) {
  std::vector<uint8_t> record(migration::sealed_record_size(body.size()));
  size_t n = migration::encode_record(
      record, static_cast<migration::RecordType>(type), std::span<const uint8_t>(body),
      sealed ? migration::Framing::kSealed : migration::Framing::kChecksummed);
  if (n == 0) return;
  if (sealed) {
    size_t with_tag = sealer != nullptr ? migration::seal_record(record, n, *sealer) : 0;
    if (with_tag == 0) with_tag = n + migration::kRecordTagSize;  // a tag of zeros: it will not open
    n = with_tag;
  }
  stream.insert(stream.end(), record.begin(), record.begin() + static_cast<long>(n));
}

}  // namespace detail

// Every record framed in clear with its checksum (the StreamDecoder without protection).
template <class Rewrite>
std::vector<uint8_t> framed_records(std::span<const uint8_t> input, Rewrite&& rewrite) {
  std::vector<uint8_t> stream;
  uint32_t type = 0;
  std::vector<uint8_t> body;
  while (detail::take_triple(input, type, body)) {
    rewrite(type, body);
    detail::append_record(stream, type, body, nullptr, false);
  }
  return stream;
}

// Stream version 3: the first record (the handshake's CHALLENGE or HELLO) in clear; then
// `keyed(type, body)` of it returns the sealer for the rest (nullptr: they get tags of
// zeros), and every later record is sealed with it, as a genuine peer would.
template <class Rewrite, class Keyed>
std::vector<uint8_t> sealed_records(std::span<const uint8_t> input, Rewrite&& rewrite, Keyed&& keyed) {
  std::vector<uint8_t> stream;
  uint32_t type = 0;
  std::vector<uint8_t> body;
  migration::RecordSealer* sealer = nullptr;
  bool first = true;
  while (detail::take_triple(input, type, body)) {
    rewrite(type, body);
    detail::append_record(stream, type, body, sealer, !first);
    if (first) sealer = keyed(type, body);
    first = false;
  }
  return stream;
}

}  // namespace godwit::fuzz
