#include "kernel/entropy/entropy_pool.h"

#include <bearssl_hash.h>

#include <cstring>

namespace godwit::entropy {
namespace {

constexpr char kDomain[] = "godwit entropy pool v1";

void update(br_sha256_context& sha, const void* bytes, size_t size) {
  if (size != 0) br_sha256_update(&sha, bytes, size);
}

void put_u64(br_sha256_context& sha, uint64_t value) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
  update(sha, bytes, sizeof(bytes));
}

}  // namespace

EntropyPool::EntropyPool() {
  br_sha256_context sha;
  br_sha256_init(&sha);
  update(sha, kDomain, sizeof(kDomain) - 1);
  br_sha256_out(&sha, chain_);
}

void EntropyPool::add(Source source, std::span<const uint8_t> bytes) {
  br_sha256_context sha;
  br_sha256_init(&sha);
  update(sha, chain_, sizeof(chain_));
  uint8_t tag = static_cast<uint8_t>(source);
  update(sha, &tag, 1);
  put_u64(sha, bytes.size());
  update(sha, bytes.data(), bytes.size());
  br_sha256_out(&sha, chain_);
  sources_ |= 1u << static_cast<uint32_t>(source);
}

void EntropyPool::add_word(Source source, uint64_t word) {
  uint8_t bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(word >> (8 * i));
  add(source, bytes);
}

void EntropyPool::draw(std::span<uint8_t> out) {
  for (size_t at = 0; at < out.size(); at += br_sha256_SIZE) {
    uint8_t block[br_sha256_SIZE];
    br_sha256_context sha;
    br_sha256_init(&sha);
    update(sha, chain_, sizeof(chain_));
    update(sha, "out", 3);
    put_u64(sha, counter_);
    br_sha256_out(&sha, block);
    size_t n = out.size() - at < sizeof(block) ? out.size() - at : sizeof(block);
    std::memcpy(out.data() + at, block, n);

    br_sha256_init(&sha);
    update(sha, chain_, sizeof(chain_));
    update(sha, "next", 4);
    put_u64(sha, counter_);
    br_sha256_out(&sha, chain_);
    ++counter_;
  }
}

size_t distinct_values(std::span<const uint64_t> deltas, size_t limit) {
  size_t distinct = 0;
  for (size_t i = 0; i < deltas.size() && distinct < limit; ++i) {
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = deltas[j] == deltas[i];
    if (!seen) ++distinct;
  }
  return distinct;
}

}  // namespace godwit::entropy
