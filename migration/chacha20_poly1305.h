// ChaCha20 and the ChaCha20-Poly1305 AEAD of RFC 8439, over BearSSL's constant-time
// implementations (docs/decisions/0013-*.md): fixed-size keys and nonces, detached
// 16-byte tags, and an opening that checks the tag before it decrypts, so a forged
// record is never turned into plaintext and its bytes are left as they arrived.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace godwit::migration {

inline constexpr size_t kChachaKeySize = 32;
inline constexpr size_t kChachaNonceSize = 12;
inline constexpr size_t kPoly1305TagSize = 16;

struct ChachaKey {
  uint8_t bytes[kChachaKeySize] = {};
};
struct ChachaNonce {
  uint8_t bytes[kChachaNonceSize] = {};
};
struct Poly1305Tag {
  uint8_t bytes[kPoly1305TagSize] = {};
};

// RFC 8439 section 2.4: XORs `data` with the key stream from block `counter` on and
// returns the counter after the last block used.
uint32_t chacha20_xor(const ChachaKey& key, const ChachaNonce& nonce, uint32_t counter,
                      std::span<uint8_t> data);

// RFC 8439 section 2.8: encrypts `data` in place and returns the tag over `aad` and the
// ciphertext.
Poly1305Tag aead_seal(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
                      std::span<uint8_t> data);

// The inverse of aead_seal: when `tag` is right, decrypts `data` in place and returns true;
// otherwise returns false and leaves `data` untouched.
[[nodiscard]] bool aead_open(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
                             std::span<uint8_t> data, const Poly1305Tag& tag);

// The tag aead_seal would give if `data` were already the ciphertext: RFC 8439's
// one-time Poly1305 key (ChaCha20 block 0) and Poly1305 over aad, data and their
// lengths, without the cipher step. This is the integrity-only mode's MAC; its forgery
// bound is the AEAD's, since the AEAD authenticates whatever ciphertext it is given.
Poly1305Tag aead_tag(const ChachaKey& key, const ChachaNonce& nonce, std::span<const uint8_t> aad,
                     std::span<const uint8_t> data);

// Compares tags in a time that does not depend on where they differ.
bool tag_equal(const Poly1305Tag& a, const Poly1305Tag& b);

// BearSSL's two constant-time Poly1305s give the same tags at different speeds on
// different CPUs: ctmul (32x32->64 multiplies, 26-bit limbs) and ctmulq (64x64->128).
// Under QEMU TCG ctmul is 2.7 times faster, under Bochs and on real CPUs ctmulq is
// (decision 0013, item 10), so the hypervisor times both at boot and keeps the faster,
// as Linux picks its RAID-6 and XOR routines. ctmul until someone selects.
enum class Poly1305Impl : uint8_t { kCtmul, kCtmulq };
inline constexpr Poly1305Impl kPoly1305Impls[] = {Poly1305Impl::kCtmul, Poly1305Impl::kCtmulq};
const char* name(Poly1305Impl impl);
void select_poly1305(Poly1305Impl impl);
Poly1305Impl selected_poly1305();

}  // namespace godwit::migration
