#include "migration/chacha20_poly1305.h"

#include <bearssl_block.h>

namespace godwit::migration {
namespace {

// Which BearSSL Poly1305 the AEAD runs (header: select_poly1305). One node, one CPU:
// set once at boot, before any migration.
constinit Poly1305Impl poly1305_impl = Poly1305Impl::kCtmul;

br_poly1305_run poly1305() {
  return poly1305_impl == Poly1305Impl::kCtmulq ? &br_poly1305_ctmulq_run : &br_poly1305_ctmul_run;
}

// A ChaCha20 for BearSSL's Poly1305 driver that produces block 0 (the one-time Poly1305
// key, RFC 8439 section 2.6) and leaves the data alone: the driver asks for block 0 into
// its key buffer and for blocks 1.. over the data (section 2.8), so with this the driver
// only authenticates. Returns the counter as a real ChaCha20 would.
uint32_t chacha20_key_block_only(const void* key, const void* iv, uint32_t counter, void* data, size_t len) {
  if (counter == 0) return br_chacha20_ct_run(key, iv, counter, data, len);
  return counter + static_cast<uint32_t>((len + 63) / 64);
}

}  // namespace

uint32_t chacha20_xor(const ChachaKey& key, const ChachaNonce& nonce, uint32_t counter,
                      std::span<uint8_t> data) {
  return br_chacha20_ct_run(key.bytes, nonce.bytes, counter, data.data(), data.size());
}

Poly1305Tag aead_seal(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
                      std::span<uint8_t> data) {
  Poly1305Tag tag;
  poly1305()(key.bytes, nonce.bytes, data.data(), data.size(), aad.data(), aad.size(), tag.bytes,
             &br_chacha20_ct_run, 1);
  return tag;
}

Poly1305Tag aead_tag(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
                     std::span<const uint8_t> data) {
  Poly1305Tag tag;
  // The driver takes a writable pointer, but chacha20_key_block_only never writes the data.
  poly1305()(key.bytes, nonce.bytes, const_cast<uint8_t*>(data.data()), data.size(), aad.data(), aad.size(),
             tag.bytes, &chacha20_key_block_only, 1);
  return tag;
}

bool aead_open(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
               std::span<uint8_t> data, const Poly1305Tag& tag) {
  if (!tag_equal(aead_tag(key, nonce, aad, data), tag)) return false;
  chacha20_xor(key, nonce, 1, data);
  return true;
}

bool tag_equal(const Poly1305Tag& a, const Poly1305Tag& b) {
  uint8_t difference = 0;
  for (size_t i = 0; i < kPoly1305TagSize; ++i)
    difference = static_cast<uint8_t>(difference | (a.bytes[i] ^ b.bytes[i]));
  return difference == 0;
}

const char* name(Poly1305Impl impl) { return impl == Poly1305Impl::kCtmulq ? "ctmulq" : "ctmul"; }

void select_poly1305(Poly1305Impl impl) { poly1305_impl = impl; }

Poly1305Impl selected_poly1305() { return poly1305_impl; }

}  // namespace godwit::migration
