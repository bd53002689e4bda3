#include "migration/hkdf_sha256.h"

#include <bearssl_hash.h>
#include <bearssl_kdf.h>

#include <cstring>

namespace godwit::migration {
namespace {

// BearSSL reads no byte of an empty input, but takes a pointer; give it a real one.
const uint8_t* pointer(std::span<const uint8_t> bytes) {
  static constexpr uint8_t kNothing = 0;
  return bytes.empty() ? &kNothing : bytes.data();
}

}  // namespace

static_assert(sizeof(br_hkdf_context) <= 512, "HkdfSha256::state_ must hold a br_hkdf_context");
static_assert(alignof(br_hkdf_context) <= 8);

HkdfSha256::HkdfSha256(std::span<const uint8_t> salt, std::span<const uint8_t> ikm) {
  br_hkdf_context context;
  br_hkdf_init(&context, &br_sha256_vtable, pointer(salt), salt.size());
  br_hkdf_inject(&context, pointer(ikm), ikm.size());
  br_hkdf_flip(&context);
  std::memcpy(state_, &context, sizeof(context));
}

bool HkdfSha256::expand(std::span<const uint8_t> info, std::span<uint8_t> out) const {
  if (out.size() > kHkdfSha256MaxOutput) return false;
  br_hkdf_context context;
  std::memcpy(&context, state_, sizeof(context));
  size_t produced = br_hkdf_produce(&context, pointer(info), info.size(), out.data(), out.size());
  return produced == out.size();
}

}  // namespace godwit::migration
